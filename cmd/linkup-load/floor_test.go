package main

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFloorModesCommit: each mode commits at its pace for real (a real
// SQLite file, a real synced file) and reports every commit it made.
func TestFloorModesCommit(t *testing.T) {
	for _, mode := range []string{"sqlite", "sync", "wake"} {
		c := floorConfig{Mode: mode, Rows: 3, Pages: 2, Rate: 200, Duration: 100 * time.Millisecond, Dir: t.TempDir()}
		r, err := measureFloor(context.Background(), c)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if len(r.lat) != 20 {
			t.Fatalf("%s: %d commits, want 20", mode, len(r.lat))
		}
		if s := r.String(); !strings.HasPrefix(s, "floor "+mode) || !strings.Contains(s, "20 commits") {
			t.Fatalf("%s: report %q", mode, s)
		}
	}
}

// TestFloorSQLiteRowsLand: the sqlite mode's commits hold the rows asked.
func TestFloorSQLiteRowsLand(t *testing.T) {
	dir := t.TempDir()
	c := floorConfig{Mode: "sqlite", Rows: 4, Rate: 1000, Duration: 10 * time.Millisecond, Dir: dir}
	commit, closeFn, err := floorCommitter(context.Background(), c, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := commit(i); err != nil {
			t.Fatal(err)
		}
	}
	closeFn()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "floor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, last int
	if err := db.QueryRow("SELECT count(*), max(position) FROM events").Scan(&rows, &last); err != nil {
		t.Fatal(err)
	}
	if rows != 20 || last != 20 {
		t.Fatalf("%d rows up to position %d, want 20 (5 commits of 4)", rows, last)
	}
}

// TestFloorFlagsBounded: every loop is bounded, bad flags are refused.
func TestFloorFlagsBounded(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "disk"}, {"--rate", "0"}, {"--rate", "1000000"},
		{"--duration", "11m"}, {"--rows", "0"}, {"--pages", "257"},
	} {
		if _, err := parseFloor(args, io.Discard); !errors.Is(err, errFloorConfig) {
			t.Errorf("%v: %v, want errFloorConfig", args, err)
		}
	}
	if c, err := parseFloor([]string{"--mode", "sync", "--rate", "500"}, io.Discard); err != nil || c.Rate != 500 || c.Mode != "sync" {
		t.Fatalf("good flags: %+v, %v", c, err)
	}
}
