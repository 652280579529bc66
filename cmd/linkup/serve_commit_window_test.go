package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/events/embedded"
)

// TestServeRefusesALongCommitWindow: a group-commit window past the
// store's bound (10 ms) is refused in one line, exit 1, before the store
// is created; every append would otherwise wait for it under load.
func TestServeRefusesALongCommitWindow(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "serve", "--data", dir, "--addr", "127.0.0.1:0", "--store-commit-window", "50ms")
	cmd.Env = append(os.Environ(), "LINKUP_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if cmd.ProcessState.ExitCode() != 1 || len(lines) != 1 || !strings.Contains(lines[0], "--store-commit-window") {
		t.Fatalf("exit %v, want 1 with one line naming --store-commit-window; output:\n%s", err, out)
	}
	if _, err := os.Stat(embedded.Path(dir)); !os.IsNotExist(err) {
		t.Fatalf("the store was created before the flag was checked: %v", err)
	}
}
