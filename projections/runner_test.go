package projections

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update && !strings.Contains(t.Name(), "/postgres") { // SQLite writes it; PostgreSQL must agree
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("rows differ from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestRunnerProjectsScriptLikeGolden(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		st, rm := openStore(t, t.TempDir()), b.openNew(t)
		writeScript(t, st)
		startRunner(t, st, rm, prometheus.NewRegistry())
		waitCaughtUp(t, st, rm)
		checkGolden(t, "script.golden", dump(t, rm))
	})
}

func TestRebuildGivesIdenticalRows(t *testing.T) {
	forEachBackend(t, testRebuildGivesIdenticalRows)
}

func testRebuildGivesIdenticalRows(t *testing.T, b backend) {
	st, rm := openStore(t, t.TempDir()), b.openNew(t)
	writeScript(t, st)
	for _, p := range Default() {
		res, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: p, BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.Events == 0 {
			t.Fatalf("%s: rebuild read no events", p.Name())
		}
	}
	checkGolden(t, "script.golden", dump(t, rm))
	// A second rebuild over the first swaps again and still agrees.
	if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: ReadStates{}}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "script.golden", dump(t, rm))
}
