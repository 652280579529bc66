package main

import (
	"strings"
	"testing"
)

// TestReplayAuditCLI: `linkup replay audit` answers from the log who got a
// message and when, as text and JSONL; bad arguments get one line and a
// non-zero exit.
func TestReplayAuditCLI(t *testing.T) {
	dir := t.TempDir()
	writeReplayLog(t, dir)
	code, out, errs := runCLI("replay", "audit", "--data", dir, "--chat", "c1", "--seq", "1")
	if code != 0 || !strings.Contains(out, "user=bob member=true open=- delivered=- via=- read=2025-03-04T10:30:03Z") ||
		!strings.Contains(out, "user=alice member=true open=k1@n1") {
		t.Fatalf("audit: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = runCLI("replay", "audit", "--data", dir, "--chat", "c1", "--seq", "1", "--user", "bob", "--format", "jsonl")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"user":"bob"`) {
		t.Fatalf("audit jsonl: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	for _, args := range [][]string{
		{"replay", "audit", "--data", dir, "--chat", "c1"},
		{"replay", "audit", "--data", dir, "--chat", "c1", "--seq", "9"},
		{"replay", "audit", "--data", dir, "--chat", "c1", "--seq", "1", "--format", "xml"},
	} {
		if code, _, errs := runCLI(args...); code == 0 || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}
