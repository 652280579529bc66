package projections

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// txDo runs fn in a transaction of the read_states projection on the live
// set and commits it (or rolls it back when commit is false).
func txDo(t *testing.T, rm ReadModel, commit bool, fn func(tx Tx)) {
	t.Helper()
	tx, err := rm.Begin(context.Background(), NameReadStates, "")
	if err != nil {
		t.Fatal(err)
	}
	fn(tx)
	if !commit {
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func wantPointer(t *testing.T, rm ReadModel, user string, want uint64, wantMember bool) {
	t.Helper()
	txDo(t, rm, false, func(tx Tx) {
		seq, member, err := tx.ReadPointer("c1", user)
		if err != nil || seq != want || member != wantMember {
			t.Fatalf("%s: pointer %d member %v (%v), want %d %v", user, seq, member, err, want, wantMember)
		}
	})
}

// mustDo fails the test on err.
func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRowCacheKeepsOnlyCommittedRows: a transaction reads what earlier
// committed transactions wrote (served by the row cache), and what a
// rolled-back one wrote is gone from the cache as from the file.
func TestRowCacheKeepsOnlyCommittedRows(t *testing.T) {
	rm := openRM(t, t.TempDir())
	txDo(t, rm, true, func(tx Tx) {
		mustDo(t, tx.AddChat("c1", []string{"alice", "bob"}))
		mustDo(t, tx.SetReadPointer("c1", "alice", 3))
		mustDo(t, tx.SetCheckpoint(1))
	})
	wantPointer(t, rm, "alice", 3, true)
	txDo(t, rm, false, func(tx Tx) {
		mustDo(t, tx.SetReadPointer("c1", "alice", 9))
		mustDo(t, tx.LeaveChat("c1", "bob"))
		mustDo(t, tx.JoinChat("c1", "carol", 4))
	})
	wantPointer(t, rm, "alice", 3, true)
	wantPointer(t, rm, "bob", 0, true)
	wantPointer(t, rm, "carol", 0, false)
	txDo(t, rm, true, func(tx Tx) {
		mustDo(t, tx.LeaveChat("c1", "bob"))
		mustDo(t, tx.JoinChat("c1", "carol", 4))
		mustDo(t, tx.SetCheckpoint(3))
	})
	wantPointer(t, rm, "bob", 0, false)
	wantPointer(t, rm, "carol", 4, true)
}

// TestRowCacheSeesAnotherProcess: a write by another connection to the
// file (another process: `linkup projections rebuild`), even one that
// leaves the checkpoint where it was, empties the cache, so the next
// transaction reads the row the other connection wrote.
func TestRowCacheSeesAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	rm := openRM(t, dir)
	txDo(t, rm, true, func(tx Tx) {
		mustDo(t, tx.AddChat("c1", []string{"alice"}))
		mustDo(t, tx.SetReadPointer("c1", "alice", 3))
		mustDo(t, tx.SetCheckpoint(1))
	})
	wantPointer(t, rm, "alice", 3, true) // now cached
	other, err := OpenSQLite(SQLiteConfig{Path: filepath.Join(dir, "readmodel.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	txDo(t, other, true, func(tx Tx) { mustDo(t, tx.SetReadPointer("c1", "alice", 8)) })
	wantPointer(t, rm, "alice", 8, true)
}

// TestRowCacheSeesASwap: a rebuild swapped in by this process, at the
// same checkpoint as the live tables, replaces what the cache held.
func TestRowCacheSeesASwap(t *testing.T) {
	rm := openRM(t, t.TempDir())
	txDo(t, rm, true, func(tx Tx) {
		mustDo(t, tx.AddChat("c1", []string{"alice"}))
		mustDo(t, tx.SetReadPointer("c1", "alice", 3))
		mustDo(t, tx.SetCheckpoint(5))
	})
	wantPointer(t, rm, "alice", 3, true)
	ctx := context.Background()
	set, err := rm.PrepareRebuild(ctx, NameReadStates)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := rm.Begin(ctx, NameReadStates, set)
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, tx.AddChat("c1", []string{"alice"}))
	mustDo(t, tx.SetReadPointer("c1", "alice", 7))
	mustDo(t, tx.SetCheckpoint(5))
	mustDo(t, tx.Commit())
	mustDo(t, rm.Swap(ctx, NameReadStates, set, func(Tx, uint64) error { return nil }))
	wantPointer(t, rm, "alice", 7, true)
}

// TestRowCacheBound: past CacheRows the cache starts again empty (counted
// in CacheStats), and reads stay right.
func TestRowCacheBound(t *testing.T) {
	rm, err := OpenSQLite(SQLiteConfig{Path: filepath.Join(t.TempDir(), "readmodel.db"), CacheRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Close()
	txDo(t, rm, true, func(tx Tx) {
		mustDo(t, tx.AddChat("c1", []string{"alice", "bob", "carol"}))
		mustDo(t, tx.SetReadPointer("c1", "carol", 2))
	})
	wantPointer(t, rm, "carol", 2, true)
	var resets int64
	for _, c := range rm.CacheStats() {
		if c.Projection == NameReadStates {
			if c.Rows > 3 {
				t.Fatalf("cache holds %d rows, bound 3", c.Rows)
			}
			resets = c.Resets
		}
	}
	if resets == 0 {
		t.Fatalf("no reset counted: %+v", rm.CacheStats())
	}
	reg := prometheus.NewRegistry()
	if _, err := NewRunner(Config{Store: openStore(t, t.TempDir()), ReadModel: rm, Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if l := m.GetLabel(); len(l) == 1 && l[0].GetValue() == NameReadStates {
				got[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
	}
	if got["linkup_projection_cache_resets_total"] != float64(resets) || got["linkup_projection_cache_rows"] > 3 {
		t.Fatalf("metrics %v, resets %d", got, resets)
	}
}
