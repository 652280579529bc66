// Package archtest holds the repository's import graph to the layering in
// docs/ARCHITECTURE.md. It has no code of its own: its test lists every
// package of the module with `go list`, and fails when a package imports
// a package of the module its layer may not import, or when a package has
// no rule at all (a new top-level package must say where it sits).
//
// Run it alone with
//
//	go test ./internal/archtest/
//
// It is part of `go test ./...`, so CI and a fresh clone check the layering
// with nothing outside the repository.
package archtest
