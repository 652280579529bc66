package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/linkup-chat/linkup/events"
)

// mustAppendN appends event n to one of moveStreams streams and waits
// for its commit.
func mustAppendN(t *testing.T, st *Store, n int) {
	t.Helper()
	d := events.EventData{Type: "Num", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}
	if _, err := st.Append(context.Background(), fmt.Sprintf("chat-%d", n%moveStreams), events.Any(), d); err != nil {
		t.Fatal(err)
	}
}

// TestIdleStepsLeaveAppendsSynced appends one event at a time to five
// streams, the writer idle between appends, until an index move has
// been made in idle steps and 50 appends more: the idle steps commit at
// synchronous=NORMAL (1), and every append's commit at FULL (2), read on
// the writer's connection right after each commit. An append committed
// after an idle step without the connection put back to FULL fails it.
func TestIdleStepsLeaveAppendsSynced(t *testing.T) {
	st, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var appendLevels, idleLevels []int
	moved := make(chan struct{})
	st.w.onCommit = func(c commitInfo) { // on the writer's goroutine, between transactions
		if c.idle && st.w.idx.moving == nil && st.w.idx.mark > 0 && len(idleLevels) > 0 && moved != nil {
			close(moved)
			moved = nil
		}
		var level int
		if err := st.w.conn.QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&level); err != nil {
			t.Error(err)
		}
		if c.idle {
			idleLevels = append(idleLevels, level)
		} else {
			appendLevels = append(appendLevels, level)
		}
	}
	wait := moved
	n := 0
	for ; st.w.tailRows.Load() < indexLag; n++ {
		mustAppendN(t, st, n)
	}
	<-wait // nothing is queued: the writer makes the move in idle steps
	for end := n + 50; n < end; n++ {
		mustAppendN(t, st, n)
	}
	if err := st.Close(); err != nil { // the writer has stopped: the levels are all in
		t.Fatal(err)
	}
	if len(idleLevels) == 0 {
		t.Fatal("no idle step ran: the test proves nothing")
	}
	for i, l := range idleLevels {
		if l != 1 {
			t.Fatalf("idle step %d committed at synchronous=%d, want 1 (NORMAL)", i, l)
		}
	}
	for i, l := range appendLevels {
		if l != 2 {
			t.Fatalf("append commit %d (of %d) committed at synchronous=%d, want 2 (FULL)", i, len(appendLevels), l)
		}
	}
}

// TestIdleStepsWaitForTheCheckpointer appends one event at a time past
// indexLag while the checkpointer counts as in a run (its goroutine
// stopped, so nothing else changes the flag): no idle step runs. Once
// the run has ended, the writer makes the move in idle steps after the
// next append.
func TestIdleStepsWaitForTheCheckpointer(t *testing.T) {
	st, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.w.ckpt.once.Do(func() { close(st.w.ckpt.stop) })
	st.w.ckpt.wg.Wait()
	st.w.ckpt.active.Store(true)
	moved := make(chan struct{}, 1)
	st.w.onCommit = func(c commitInfo) { // on the writer's goroutine
		if c.idle && st.w.idx.moving == nil {
			moved <- struct{}{}
		}
	}
	n := 0
	for ; st.w.tailRows.Load() < indexLag+10; n++ {
		mustAppendN(t, st, n)
	}
	if got := st.w.idleSteps.Load(); got != 0 {
		t.Fatalf("%d idle steps while the checkpointer was in a run", got)
	}
	st.w.ckpt.active.Store(false)
	mustAppendN(t, st, n)
	<-moved // nothing is queued: the writer makes the move in idle steps
	if st.w.idleSteps.Load() == 0 {
		t.Fatal("no idle step after the checkpointer's run ended")
	}
}
