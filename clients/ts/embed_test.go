package tsclient

import (
	"io/fs"
	"regexp"
	"testing"
)

var importRE = regexp.MustCompile(`(?m)^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"`)

// TestDistIsSelfContained: the embedded browser module exists and every
// import in it names another embedded file, so a page can load it as is.
func TestDistIsSelfContained(t *testing.T) {
	files, err := fs.Glob(Dist, "dist/*.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dist/*.js embedded: %v", err)
	}
	if _, err := fs.Stat(Dist, "dist/index.js"); err != nil {
		t.Fatalf("no browser entry: %v", err)
	}
	for _, f := range files {
		b, _ := fs.ReadFile(Dist, f)
		for _, m := range importRE.FindAllSubmatch(b, -1) {
			spec := string(m[1])
			if len(spec) < 3 || spec[:2] != "./" {
				t.Errorf("%s imports %q: a browser cannot resolve a bare import", f, spec)
				continue
			}
			if _, err := fs.Stat(Dist, "dist/"+spec[2:]); err != nil {
				t.Errorf("%s imports %q, which is not embedded", f, spec)
			}
		}
	}
}
