package projections

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
)

// crashChildEnv holds "<store dir>\t<backend>\t<read model location>" in
// the child process.
const crashChildEnv = "LINKUP_PROJECTIONS_CRASH_CHILD"

// TestCrashMidProjection runs the runner in a child process (this test
// binary again), SIGKILLs it while it is catching up, restarts projection
// here, and checks that no row was lost or doubled: the read model equals a
// rebuild from zero.
func TestCrashMidProjection(t *testing.T) {
	if env := os.Getenv(crashChildEnv); env != "" {
		runCrashChild(t, env)
		return
	}
	forEachBackend(t, testCrashMidProjection)
}

func testCrashMidProjection(t *testing.T, b backend) {
	dir, loc := t.TempDir(), b.fresh(t)
	st := openStore(t, dir)
	writeScript(t, st)
	appendTraffic(t, st, 0, 3000, true)
	head, _ := st.Head(context.Background())

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidProjection$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+strings.Join([]string{dir, b.name, loc}, "\t"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitMidway(t, b, loc, head)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	rm := b.openAt(t, loc)
	startRunner(t, st, rm, nil)
	waitCaughtUp(t, st, rm)
	if got, want := dump(t, rm), freshDump(t, b, st); got != want {
		t.Fatalf("after SIGKILL and restart rows differ from a rebuild:\n--- got\n%s\n--- want\n%s", got, want)
	}
}

// waitMidway polls the child's read model until some projection has
// committed part of the log but not all of it.
func waitMidway(t *testing.T, b backend, loc string, head uint64) {
	t.Helper()
	// A fast poll of its own, not poll.Until: the midway state lasts only
	// while the child projects, and a coarser poll could miss it.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		rm, err := b.open(context.Background(), loc, true)
		if err != nil {
			continue
		}
		cps, err := rm.Checkpoints(context.Background())
		rm.Close()
		if err != nil {
			continue
		}
		for _, c := range cps {
			if c.Position > 0 && c.Position < head {
				return
			}
		}
	}
	t.Fatal("the child never got midway through the log")
}

// runCrashChild projects the log in small batches until it is killed.
func runCrashChild(t *testing.T, env string) {
	parts := strings.Split(env, "\t")
	st, err := embedded.Open(embedded.Config{Dir: parts[0], ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rm, err := backendNamed(parts[1]).open(ctx, parts[2], false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRunner(Config{Store: st, ReadModel: rm, BatchSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	r.Run(ctx)
}
