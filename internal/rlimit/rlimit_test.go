//go:build unix

package rlimit

import (
	"syscall"
	"testing"
)

// After RaiseOpenFiles the soft limit equals the hard one.
func TestRaiseOpenFilesReachesTheHardLimit(t *testing.T) {
	var before syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &before); err != nil {
		t.Skipf("no readable RLIMIT_NOFILE: %v", err)
	}
	lowered := before
	lowered.Cur = min(before.Max, 256)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Skipf("cannot lower the soft limit here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &before) })
	if err := RaiseOpenFiles(); err != nil {
		t.Fatalf("RaiseOpenFiles: %v", err)
	}
	var after syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &after); err != nil {
		t.Fatal(err)
	}
	if after.Cur != after.Max {
		t.Fatalf("soft limit %d, hard %d: want them equal", after.Cur, after.Max)
	}
}
