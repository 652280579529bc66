package main

import (
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/projections"
)

// TestProjectionsCLI: status before and after a rebuild, run while another
// Store (standing in for the server's) holds the log open for writing;
// with each read model.
func TestProjectionsCLI(t *testing.T) {
	forEachReadModel(t, testProjectionsCLI)
}

func testProjectionsCLI(t *testing.T, rmURL string) {
	dir := t.TempDir()
	writeReplayLog(t, dir)
	cli := func(args ...string) (int, string, string) {
		args = append(args, "--data", dir)
		if rmURL != "" {
			args = append(args, "--readmodel", rmURL)
		}
		return runCLI(args...)
	}
	if code, _, stderr := cli("projections", "status"); code == 0 || !strings.Contains(stderr, "no read model") {
		t.Fatalf("status without a read model: code %d, stderr %q", code, stderr)
	}
	code, out, stderr := cli("projections", "rebuild")
	if code != 0 || strings.Count(out, "rebuilt ") != len(projections.Default()) {
		t.Fatalf("rebuild: code %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = cli("projections", "status")
	if code != 0 {
		t.Fatalf("status: code %d: %s", code, stderr)
	}
	for _, want := range []string{"NAME", "errors", "read_states", "deliveries"} {
		if !strings.Contains(out, want) {
			t.Fatalf("status output lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if f := strings.Fields(line); f[1] != f[2] || f[3] != "0" {
			t.Fatalf("after rebuild, checkpoint != head: %q", line)
		}
	}
	if code, _, stderr := cli("projections", "rebuild", "--name", "nope"); code != 1 || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("unknown name: code %d, stderr %q", code, stderr)
	}
}
