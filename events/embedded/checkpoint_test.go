package embedded_test

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/linkup-chat/linkup/internal/testnode"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/prometheus/client_golang/prometheus"
)

// walBound is the most bytes a WAL of pages pages (of 4 KiB, plus each
// frame's 24-byte header and the file's 32-byte header) takes, with slack
// for the pages of the batch that crosses the bound.
func walBound(pages int) int64 { return int64(pages+64)*(4096+24) + 32 }

// appendConcurrently makes n single-event appends from g goroutines, each
// to its own stream, calling after (from goroutine 0 only) after each.
func appendConcurrently(t *testing.T, st events.Store, g, n int, after func()) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range g {
		wg.Go(func() {
			stream := fmt.Sprintf("chat-w%d", i)
			for j := range n / g {
				mustAppend(t, st, stream, events.Any(), num(j))
				if i == 0 {
					after()
				}
			}
		})
	}
	wg.Wait()
}

// Under continuous appends the checkpointer keeps the WAL near
// CheckpointPages: the writer's commits never grow it past MaxWALPages.
func TestWALStaysBoundedUnderContinuousAppends(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	const ckpt, maxPages = 32, 256
	st := open(t, embedded.Config{Dir: dir, Metrics: reg, CheckpointPages: ckpt, MaxWALPages: maxPages})
	defer st.Close()
	var largest int64
	appendConcurrently(t, st, 8, 3000, func() {
		if fi, err := os.Stat(embedded.Path(dir) + "-wal"); err == nil {
			largest = max(largest, fi.Size())
		}
	})
	if got := count(t, st); got != 3000 {
		t.Fatalf("%d events stored, want 3000", got)
	}
	if largest > walBound(maxPages) {
		t.Fatalf("WAL grew to %d bytes, bound %d (MaxWALPages %d)", largest, walBound(maxPages), maxPages)
	}
	if largest == 0 {
		t.Fatal("no WAL file seen")
	}
	if n := testnode.Metric(t, reg, "linkup_embedded_store_checkpoints_total", "by", "checkpointer"); n < 1 {
		t.Fatalf("checkpointer ran %v checkpoints, want some", n)
	}
	if n := testnode.Metric(t, reg, "linkup_embedded_store_wal_pages", "", ""); n > maxPages+64 {
		t.Fatalf("wal_pages gauge %v past MaxWALPages %d", n, maxPages)
	}
}

func TestCheckpointConfigValidate(t *testing.T) {
	for _, c := range []embedded.Config{
		{Dir: "d", CheckpointPages: -1},
		{Dir: "d", MaxWALPages: -1},
		{Dir: "d", CheckpointPages: 100, MaxWALPages: 99},
		{Dir: "d", MaxWALPages: embedded.DefaultCheckpointPages - 1},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
	if err := (embedded.Config{Dir: "d", CheckpointPages: 10, MaxWALPages: 10}).Validate(); err != nil {
		t.Errorf("equal bounds refused: %v", err)
	}
}

// A store opened with PreallocateWAL and no WAL finds one of twice
// CheckpointPages and a quarter of it, commits into it, and keeps everything across a clean
// reopen (which preallocates again). (Whether commits stay inside the
// preallocation depends on how fast the checkpointer runs: timing, not a
// unit test's business.)
func TestPreallocatedWAL(t *testing.T) {
	dir := t.TempDir()
	cfg := embedded.Config{Dir: dir, PreallocateWAL: true, CheckpointPages: 64, MaxWALPages: 512}
	wal := embedded.Path(dir) + "-wal"
	size := int64((2*64 + 16) * (4096 + 24))
	st := open(t, cfg)
	if fi, err := os.Stat(wal); err != nil || fi.Size() != size {
		t.Fatalf("WAL after open: %v, %v; want %d bytes", fi, err, size)
	}
	appendConcurrently(t, st, 4, 400, func() {})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open(t, cfg)
	defer st.Close()
	if got := count(t, st); got != 400 {
		t.Fatalf("%d events after reopen, want 400", got)
	}
	mustAppend(t, st, "chat-w0", events.Exact(99), num(100))
}
