package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// TestTailNow checks when the writer checkpoints the tail the
// checkpointer could not finish: only with no append queued, or once the
// WAL has reached its bound.
func TestTailNow(t *testing.T) {
	for _, c := range []struct {
		queued        int
		walLen, bound int64
		want          bool
	}{
		{0, 10, 8192, true},
		{1, 10, 8192, false},
		{500, 8191, 8192, false},
		{500, 8192, 8192, true},
		{0, 9000, 8192, true},
	} {
		if got := tailNow(c.queued, c.walLen, c.bound); got != c.want {
			t.Errorf("tailNow(%d, %d, %d) = %v, want %v", c.queued, c.walLen, c.bound, got, c.want)
		}
	}
	if b := tailBound(Config{CheckpointPages: 4096, MaxWALPages: 32768}); b != 8192 {
		t.Errorf("tailBound = %d, want 2 x CheckpointPages", b)
	}
	if b := tailBound(Config{CheckpointPages: 4096, MaxWALPages: 5000}); b != 5000 {
		t.Errorf("tailBound = %d, want MaxWALPages when lower", b)
	}
}

// tailStore opens a store whose checkpointer is stopped, and whose writer
// commits one append per transaction, with the tail due (as after a run
// of the checkpointer that could not finish it). tails reads how many
// tail checkpoints the writer had run at each commit, and the pages in the
// WAL since its restart before that commit.
func tailStore(t *testing.T, ckptPages int) (st *Store, tails func() ([]int, []int64)) {
	t.Helper()
	st, err := Open(Config{Dir: t.TempDir(), CheckpointPages: ckptPages, MaxWALPages: 1 << 16, MaxBatch: 1, CommitWindow: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	st.w.ckpt.once.Do(func() { close(st.w.ckpt.stop) })
	st.w.ckpt.wg.Wait()
	var mu sync.Mutex
	var seen []int
	var lens []int64
	st.w.onCommit = func(commitInfo) { // on the writer's goroutine
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, int(counterValue(t, st.metrics.checkpoints.WithLabelValues("writer_tail"))))
		lens = append(lens, st.w.walLen)
	}
	st.w.ckpt.tailDue.Store(true)
	return st, func() ([]int, []int64) {
		mu.Lock()
		defer mu.Unlock()
		return seen, lens
	}
}

// firstTail is the index of the first commit that saw a tail checkpoint
// done (the checkpoint runs after a commit, so commit i+1 sees one run
// after commit i), or -1.
func firstTail(seen []int) int {
	for i, n := range seen {
		if n > 0 {
			return i
		}
	}
	return -1
}

// With appends waiting in the queue the writer does not checkpoint the
// tail, which would hold them up, until the WAL reaches its bound (twice
// CheckpointPages); then it does, whatever waits, and the WAL restarts.
// The old writer checkpointed the tail after the first commit.
func TestWriterTailWaitsForAnEmptyQueue(t *testing.T) {
	const ckptPages = 16 // bound: 32 pages
	st, tails := tailStore(t, ckptPages)
	// Another connection holds the write lock while the appends queue
	// up, so that the writer finds them all waiting after its first commit.
	blocker, err := sql.Open("sqlite", dsn(Path(st.cfg.Dir), false))
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	ctx := context.Background()
	conn, err := blocker.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		ev := events.EventData{Type: "Num", Data: fmt.Appendf(nil, `{"n":%d}`, i)}
		err := st.AppendAsync(fmt.Sprintf("chat-%d", i%7), events.Any(), []events.EventData{ev}, func(_ events.AppendResult, err error) {
			if err != nil {
				t.Error(err)
			}
			wg.Done()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	seen, lens := tails()
	first := firstTail(seen)
	t.Logf("%d commits, first tail checkpoint seen at commit %d", len(seen), first)
	if first < 0 {
		t.Fatal("the writer never checkpointed the tail: the WAL is unbounded")
	}
	// The tail ran after commit first-1, which added a few pages (well
	// under 16) to the lens[first-1] the WAL held before it.
	if first < 2 || lens[first-1] < ckptPages {
		t.Fatalf("the writer checkpointed the tail after commit %d, with appends queued, when the WAL held %d pages before it: want it to wait for about %d", first-1, lens[max(first-1, 0)], 2*ckptPages)
	}
	if got := seen[len(seen)-1]; got != 1 {
		t.Fatalf("%d tail checkpoints, want 1 (the tail is not due after a complete one)", got)
	}
}

// With no append waiting the writer checkpoints the tail after its next
// commit, as before. (Close makes sure the writer has finished with its
// one commit, and queues nothing: a second append made right after the
// first's answer may be queued before the writer looks.)
func TestWriterTailWhenIdle(t *testing.T) {
	st, _ := tailStore(t, 1<<12)
	ev := events.EventData{Type: "Num", Data: []byte(`{"n":0}`)}
	if _, err := st.Append(context.Background(), "chat-1", events.Any(), ev); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if n := counterValue(t, st.metrics.checkpoints.WithLabelValues("writer_tail")); n != 1 {
		t.Fatalf("%v tail checkpoints after one append and an empty queue, want 1", n)
	}
	if st.w.ckpt.tailDue.Load() {
		t.Fatal("the tail is still due after the writer's complete checkpoint")
	}
}

// Past the WAL's tail bound the writer still does not wait for a run of
// the checkpointer in progress (a long one took up to 400 ms on a busy
// disk, every queued append waiting with the writer): with the
// checkpointer's lock held, as during its run, every append commits and
// the writer checkpoints no tail; once the lock is free it does.
func TestWriterTailDoesNotWaitForTheCheckpointer(t *testing.T) {
	const ckptPages = 16 // bound: 32 pages, passed within the appends below
	st, tails := tailStore(t, ckptPages)
	st.w.ckpt.mu.Lock() // a run of the checkpointer's, in progress
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx := context.Background()
		for i := range 100 {
			ev := events.EventData{Type: "Num", Data: fmt.Appendf(nil, `{"n":%d}`, i)}
			if _, err := st.Append(ctx, fmt.Sprintf("chat-%d", i%7), events.Any(), ev); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a deadlock guard, not a timing assertion
		st.w.ckpt.mu.Unlock()
		t.Fatal("appends blocked while the checkpointer's lock was held: the writer waited for its run")
	}
	seen, lens := tails()
	if n := seen[len(seen)-1]; n != 0 {
		t.Fatalf("%d tail checkpoints ran while the checkpointer's lock was held", n)
	}
	if l := lens[len(lens)-1]; l < 2*ckptPages {
		t.Fatalf("the WAL held %d pages, below the bound %d: the test proves nothing", l, 2*ckptPages)
	}
	st.w.ckpt.mu.Unlock()
	if _, err := st.Append(context.Background(), "chat-1", events.Any(), events.EventData{Type: "Num", Data: []byte(`{"n":0}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(context.Background(), "chat-1", events.Any(), events.EventData{Type: "Num", Data: []byte(`{"n":1}`)}); err != nil {
		t.Fatal(err)
	}
	if seen, _ := tails(); seen[len(seen)-1] != 1 {
		t.Fatalf("%d tail checkpoints once the lock was free, want 1", seen[len(seen)-1])
	}
}
