package archtest

import (
	"fmt"
	"sort"
	"strings"
)

// pkg is one package of the module as `go list` reports it.
type pkg struct {
	ImportPath string
	Imports    []string
}

// check returns one line per broken rule in pkgs, sorted; mod is the
// module path.
func check(mod string, pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, checkOne(mod, p)...)
	}
	sort.Strings(out)
	return out
}

func checkOne(mod string, p pkg) []string {
	rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, mod), "/")
	r, ok := ruleFor(rel)
	if !ok {
		return []string{fmt.Sprintf("%s: no layering rule covers it (add one to internal/archtest/rules.go and docs/ARCHITECTURE.md)", rel)}
	}
	var out []string
	for _, imp := range p.Imports {
		if msg := verdict(mod, r, rel, imp); msg != "" {
			out = append(out, msg)
		}
	}
	return out
}

// verdict returns why rel may not import imp under r, or "".
func verdict(mod string, r rule, rel, imp string) string {
	switch {
	case imp == mod || strings.HasPrefix(imp, mod+"/"):
		target := strings.TrimPrefix(strings.TrimPrefix(imp, mod), "/")
		if !r.allows(target) {
			return fmt.Sprintf("%s imports %s (%s)", rel, target, r.Why)
		}
	case r.StdlibOnly && !isStdlib(imp):
		return fmt.Sprintf("%s imports %s from outside the standard library (%s)", rel, imp, r.Why)
	}
	return ""
}

// isStdlib reports whether an import path belongs to the standard library:
// its first element has no dot.
func isStdlib(imp string) bool {
	first, _, _ := strings.Cut(imp, "/")
	return !strings.Contains(first, ".")
}
