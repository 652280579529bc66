package contract

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// routePattern matches a method-qualified route registration in package
// transport: mux.HandleFunc("GET /v1/errors", ...) or mux.Handle("GET /metrics", ...).
var routePattern = regexp.MustCompile(`\.Handle(?:Func)?\("([A-Z]+) (/[^"]*)"`)

// TestServedRoutesAreDocumented reads the routes package transport
// registers and fails for one that docs/openapi.yaml does not document.
// With TestHTTPAnswersMatchOpenAPI's check that every documented operation
// is called, a route the server serves cannot go unchecked: it must be
// documented, and then called and its answer validated.
func TestServedRoutesAreDocumented(t *testing.T) {
	api := loadSpec(t, "openapi.yaml")
	paths, _ := api.tree["paths"].(map[string]any)
	files, err := filepath.Glob(filepath.Join("..", "..", "transport", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range routePattern.FindAllStringSubmatch(string(src), -1) {
			found++
			ops, _ := paths[m[2]].(map[string]any)
			if _, ok := ops[strings.ToLower(m[1])]; !ok {
				t.Errorf("%s serves %s %s, which docs/openapi.yaml does not document", filepath.Base(f), m[1], m[2])
			}
		}
	}
	if found == 0 {
		t.Fatal("found no route registrations in transport: has the registration changed shape?")
	}
}
