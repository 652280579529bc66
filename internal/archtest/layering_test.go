package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// The module's real import graph keeps every layering rule.
func TestLayeringHolds(t *testing.T) {
	mod, pkgs := listModule(t)
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages: is this the module root?", len(pkgs))
	}
	for _, broken := range check(mod, pkgs) {
		t.Error(broken)
	}
}

// The check catches each kind of break, so TestLayeringHolds can fail.
func TestCheckFindsBrokenRules(t *testing.T) {
	const m = "example.com/m"
	cases := []struct {
		name string
		p    pkg
		want string
	}{
		{"projections reads actors", pkg{m + "/projections", []string{m + "/actors", m + "/events"}}, "projections imports actors"},
		{"actors reach into transport", pkg{m + "/actors", []string{m + "/transport"}}, "actors imports transport"},
		{"actors pick a store", pkg{m + "/actors", []string{m + "/events/embedded"}}, "actors imports events/embedded"},
		{"transport picks a store", pkg{m + "/transport", []string{m + "/events/postgres"}}, "transport imports events/postgres"},
		{"events imports a library", pkg{m + "/events", []string{"github.com/google/uuid"}}, "outside the standard library"},
		{"domain does I/O through a driver", pkg{m + "/chat", []string{"modernc.org/sqlite"}}, "outside the standard library"},
		{"a store knows another store", pkg{m + "/events/postgres", []string{m + "/events/embedded"}}, "events/postgres imports events/embedded"},
		{"a package without a rule", pkg{m + "/newthing", nil}, "no layering rule"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := check(m, []pkg{c.p})
			if len(got) != 1 || !strings.Contains(got[0], c.want) {
				t.Fatalf("check = %q, want one line containing %q", got, c.want)
			}
		})
	}
	allowed := []pkg{
		{m + "/actors", []string{m + "/events", m + "/chat", "fmt", "github.com/asynkron/protoactor-go/actor"}},
		{m + "/events/embedded", []string{m + "/events", "modernc.org/sqlite"}},
		{m + "/cmd/linkup", []string{m + "/events/embedded", m + "/actors"}},
		{m + "/events", []string{"encoding/json", "time"}},
	}
	if got := check(m, allowed); len(got) != 0 {
		t.Fatalf("allowed imports reported: %q", got)
	}
}

// listModule runs `go list -json ./...` at the module root.
func listModule(t *testing.T) (string, []pkg) {
	t.Helper()
	modOut, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = moduleRoot(t)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list ./...: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list ./...: %v", err)
	}
	return strings.TrimSpace(string(modOut)), decodePkgs(t, out)
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return strings.TrimSuffix(strings.TrimSpace(string(out)), "/go.mod")
}

func decodePkgs(t *testing.T, out []byte) []pkg {
	t.Helper()
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
}
