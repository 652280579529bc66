package embedded_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// pacedAppends makes n one-event appends through AppendAsync, two at a
// time with a short sleep between pairs (about 2,000 appends/s: the chats
// shape), and waits for every answer.
func pacedAppends(t *testing.T, st *embedded.Store, n int) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		err := st.AppendAsync(fmt.Sprintf("chat-%d", i%20), events.Any(), []events.EventData{num(i)},
			func(_ events.AppendResult, err error) {
				if err != nil {
					t.Error(err)
				}
				wg.Done()
			})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			time.Sleep(200 * time.Microsecond) // pacing the load, not a wait for a condition
		}
	}
	wg.Wait()
}

// TestCommitWindowGathersPacedAppends checks that under paced concurrent
// appends the writer holds batches open (the window's counter moves) and
// its commits carry more than two appends each on average, where without
// the window most paced appends would commit in pairs or alone.
func TestCommitWindowGathersPacedAppends(t *testing.T) {
	st := open(t, embedded.Config{Dir: t.TempDir(), CommitWindow: 5 * time.Millisecond})
	defer st.Close()
	commits := embedded.RecordCommits(st)
	const n = 600
	pacedAppends(t, st, n)
	waits, cs := embedded.CommitWaits(st), len(commits())
	t.Logf("%d appends, %d commits, %d window waits", n, cs, waits)
	if waits == 0 {
		t.Fatal("the window never held a batch open under paced appends")
	}
	if cs*2 > n {
		t.Fatalf("%d commits for %d paced appends, want at most %d", cs, n, n/2)
	}
	if got := count(t, st); got != n {
		t.Fatalf("%d events readable, want %d", got, n)
	}
}

// TestCommitWindowOff checks that a negative CommitWindow never waits.
func TestCommitWindowOff(t *testing.T) {
	st := open(t, embedded.Config{Dir: t.TempDir(), CommitWindow: -1})
	defer st.Close()
	pacedAppends(t, st, 200)
	if waits := embedded.CommitWaits(st); waits != 0 {
		t.Fatalf("%d window waits with the window off", waits)
	}
}

// TestLoneAppendDoesNotWait checks that appends made one after another's
// commit (one caller) never wait in the window, nor does a lone append
// after a busy spell once the store has been idle.
func TestLoneAppendDoesNotWait(t *testing.T) {
	st := open(t, embedded.Config{Dir: t.TempDir(), CommitWindow: 5 * time.Millisecond})
	defer st.Close()
	for i := range 50 {
		mustAppend(t, st, "chat-1", events.Any(), num(i))
	}
	if waits := embedded.CommitWaits(st); waits != 0 {
		t.Fatalf("%d window waits for one caller appending after each commit", waits)
	}
	// A busy spell makes the window wait only when appends queue up
	// during a commit, which a fast disk may not give in 200 appends: up
	// to 20 spells (a fresh-clone CI run saw none wait in one).
	before := embedded.CommitWaits(st)
	for spell := 0; spell < 20 && before == 0; spell++ {
		pacedAppends(t, st, 200)
		before = embedded.CommitWaits(st)
	}
	if before == 0 {
		t.Fatal("the busy spells never waited: the test proves nothing")
	}
	time.Sleep(100 * time.Millisecond) // the store idle
	mustAppend(t, st, "chat-1", events.Any(), num(0))
	if waits := embedded.CommitWaits(st); waits != before {
		t.Fatalf("a lone append after an idle spell waited in the window (%d waits, had %d)", waits, before)
	}
}

// TestCommitWindowConfigValidate checks the window's bounds.
func TestCommitWindowConfigValidate(t *testing.T) {
	for _, c := range []embedded.Config{
		{Dir: "d", CommitWindow: embedded.MaxCommitWindow + 1},
		{Dir: "d", CommitWindowAppends: -1},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", c)
		}
	}
	for _, c := range []embedded.Config{
		{Dir: "d", CommitWindow: -1},
		{Dir: "d", CommitWindow: embedded.MaxCommitWindow, CommitWindowAppends: 1},
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", c, err)
		}
	}
}
