package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the embedded store's driver
)

// The floor subcommand measures the least a durable commit costs on this
// machine, paced like a store under load, so the store's own commit can be
// read against it (docs/BENCHMARKS.md): a bare loop with nothing of
// linkup in it, run alone or beside a load (e.g. Centrifugo serving the
// same clients).
//
//   - sync: --pages 4 KiB pages written into a preallocated file, then
//     fdatasync (fsync where the platform has no fdatasync);
//   - sqlite: modernc SQLite in WAL mode with synchronous=FULL, as the
//     embedded store opens it: BEGIN IMMEDIATE, one INSERT of --rows
//     ~400 B event rows, COMMIT;
//   - wake: the pacing alone (a sleep and a wake per commit), no write.

// floorConfig is one floor run.
type floorConfig struct {
	Mode     string
	Rows     int // sqlite: event rows per commit
	Pages    int // sync: 4 KiB pages per commit
	Rate     int // commits per second
	Duration time.Duration
	Dir      string
}

// Bounds of a floor run, so that every loop ends.
const (
	maxFloorRate     = 100_000
	maxFloorDuration = 10 * time.Minute
	maxFloorRows     = 1_000
	maxFloorPages    = 256
	floorFileSlots   = 16_384 // sync: the preallocated file's pages (64 MiB)
)

var errFloorConfig = errors.New("linkup-load floor: invalid configuration")

func parseFloor(args []string, stderr io.Writer) (floorConfig, error) {
	c := floorConfig{}
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Mode, "mode", "sqlite", "sqlite, sync or wake")
	fs.IntVar(&c.Rows, "rows", 1, "sqlite: event rows per commit (≤1000)")
	fs.IntVar(&c.Pages, "pages", 1, "sync: 4 KiB pages per commit (≤256)")
	fs.IntVar(&c.Rate, "rate", 360, "commits per second (≤100000)")
	fs.DurationVar(&c.Duration, "duration", 7*time.Second, "how long to commit (≤10m)")
	fs.StringVar(&c.Dir, "dir", "", "directory for the file (default: a fresh temp dir, removed after)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case c.Mode != "sqlite" && c.Mode != "sync" && c.Mode != "wake":
		return c, fmt.Errorf("%w: --mode %q: want sqlite, sync or wake", errFloorConfig, c.Mode)
	case c.Rows < 1 || c.Rows > maxFloorRows, c.Pages < 1 || c.Pages > maxFloorPages:
		return c, fmt.Errorf("%w: --rows 1..%d, --pages 1..%d", errFloorConfig, maxFloorRows, maxFloorPages)
	case c.Rate < 1 || c.Rate > maxFloorRate:
		return c, fmt.Errorf("%w: --rate 1..%d", errFloorConfig, maxFloorRate)
	case c.Duration <= 0 || c.Duration > maxFloorDuration:
		return c, fmt.Errorf("%w: --duration up to %v", errFloorConfig, maxFloorDuration)
	}
	return c, nil
}

// runFloor runs the floor subcommand and prints its one line.
func runFloor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFloor(args, stderr)
	if err != nil {
		return err
	}
	r, err := measureFloor(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, r)
	return nil
}

// floorResult is what a floor run measured.
type floorResult struct {
	cfg     floorConfig
	lat     []time.Duration // sorted
	cpu     time.Duration   // the process's user and system time
	elapsed time.Duration
}

func (r floorResult) String() string {
	n := len(r.lat)
	q := func(p float64) time.Duration { return r.lat[min(n-1, int(float64(n)*p))].Round(time.Microsecond) }
	size := fmt.Sprintf("rows %d", r.cfg.Rows)
	if r.cfg.Mode == "sync" {
		size = fmt.Sprintf("pages %d", r.cfg.Pages)
	}
	return fmt.Sprintf("floor %s (%s) at %d/s: %d commits in %v; latency p50 %v p90 %v p99 %v p99.9 %v; %.0f CPU µs per commit",
		r.cfg.Mode, size, r.cfg.Rate, n, r.elapsed.Round(time.Millisecond), q(0.5), q(0.9), q(0.99), q(0.999), float64(r.cpu.Microseconds())/float64(n))
}

// measureFloor commits at the configured pace and times each commit.
func measureFloor(ctx context.Context, c floorConfig) (floorResult, error) {
	dir := c.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "linkup-floor")
		if err != nil {
			return floorResult{}, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	commit, closeFn, err := floorCommitter(ctx, c, dir)
	if err != nil {
		return floorResult{}, err
	}
	defer closeFn()
	n := int(int64(c.Rate) * int64(c.Duration) / int64(time.Second))
	n = max(n, 1)
	gap := time.Second / time.Duration(c.Rate)
	lat := make([]time.Duration, 0, n)
	cpu0, start := processCPU(), time.Now()
	next := start
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next = next.Add(gap)
		time.Sleep(time.Until(next))
		t := time.Now()
		if err := commit(i); err != nil {
			return floorResult{}, err
		}
		lat = append(lat, time.Since(t))
	}
	if len(lat) == 0 {
		return floorResult{}, ctx.Err()
	}
	r := floorResult{cfg: c, lat: lat, cpu: processCPU() - cpu0, elapsed: time.Since(start)}
	slices.Sort(r.lat)
	return r, nil
}

// floorCommitter prepares the mode's commit, called with the commit's
// number, and what closes it.
func floorCommitter(ctx context.Context, c floorConfig, dir string) (func(int) error, func(), error) {
	switch c.Mode {
	case "sync":
		return syncCommitter(c, dir)
	case "sqlite":
		return sqliteCommitter(ctx, c, dir)
	}
	return func(int) error { return nil }, func() {}, nil
}

// syncCommitter writes c.Pages pages after the last ones (wrapping in a
// preallocated, synced file) and syncs the data.
func syncCommitter(c floorConfig, dir string) (func(int) error, func(), error) {
	f, err := os.Create(filepath.Join(dir, "floor.wal"))
	if err != nil {
		return nil, nil, err
	}
	zero := make([]byte, 1<<20)
	for off := 0; off < floorFileSlots*4096; off += len(zero) {
		if _, err := f.WriteAt(zero, int64(off)); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, nil, err
	}
	buf, slot := make([]byte, 4096*c.Pages), 0
	commit := func(i int) error {
		buf[0] = byte(i)
		if slot+c.Pages > floorFileSlots {
			slot = 0
		}
		if _, err := f.WriteAt(buf, int64(slot)*4096); err != nil {
			return err
		}
		slot += c.Pages
		return dataSync(f)
	}
	return commit, func() { f.Close() }, nil
}

// sqliteCommitter opens a database as the embedded store does (WAL,
// synchronous=FULL, no autocheckpoint) with one events table and commits
// c.Rows rows per transaction.
func sqliteCommitter(ctx context.Context, c floorConfig, dir string) (func(int) error, func(), error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "floor.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(0)&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, nil, err
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, `CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL, stream_id INTEGER NOT NULL, revision INTEGER NOT NULL, type TEXT NOT NULL, time INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL)`)
	}
	var ins *sql.Stmt
	if err == nil {
		ins, err = conn.PrepareContext(ctx, "INSERT INTO events VALUES "+strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", c.Rows), ","))
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	data := `{"chat_id":"` + strings.Repeat("c", 36) + `","seq":1,"message_id":"` + strings.Repeat("m", 36) + `","sender":"user-1","body":"` + strings.Repeat("x", 200) + `","sent_at":"2026-12-01T10:00:00.000Z"}`
	meta := `{"correlation_id":"` + strings.Repeat("k", 36) + `","node":"n1"}`
	args, pos := make([]any, 0, 8*c.Rows), 0
	commit := func(int) error {
		args = args[:0]
		for range c.Rows {
			pos++
			args = append(args, pos, "0b4b1c1e-8a5f-4f0e-9d3c-1a2b3c4d5e6f", pos%200, pos, "MessagePosted", time.Now().UnixNano(), data, meta)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
			return err
		}
		_, err := conn.ExecContext(ctx, "COMMIT")
		return err
	}
	return commit, func() { ins.Close(); conn.Close(); db.Close() }, nil
}
