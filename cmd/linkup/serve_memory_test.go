package main

import (
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestMemoryFlagsApply: --gc-percent and --memory-limit-mib, given, set
// the collector's percent and soft limit.
func TestMemoryFlagsApply(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	memoryFlags{gcPercent: 40, limitMiB: 300}.apply(map[string]bool{"gc-percent": true, "memory-limit-mib": true}, slog.New(slog.DiscardHandler))
	if got := debug.SetGCPercent(100); got != 40 {
		t.Fatalf("GC percent %d, want 40", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Fatalf("memory limit %d, want %d", got, 300<<20)
	}
}
