//go:build !unix

package rlimit

// RaiseOpenFiles does nothing where there is no open-file rlimit.
func RaiseOpenFiles() error { return nil }
