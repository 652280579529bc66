package embedded

import (
	"sync"
	"time"
)

// Commit is one commit as RecordCommits sees it.
type Commit struct {
	Start     time.Time     // when its transaction began (BEGIN)
	Duration  time.Duration // BEGIN to the end of COMMIT, as commit_seconds measures it
	IndexWork int           // stream index entries it copied or deleted (index.go)
	Last      uint64        // the last position it committed
	Idle      bool          // a step of the index move between appends, carrying none (idle.go)
}

// RecordCommits makes st's writer record every commit from now on; the
// returned function hands over a copy of those recorded so far. Call it
// before the first append of the measurement.
func RecordCommits(st *Store) func() []Commit {
	var mu sync.Mutex
	var cs []Commit
	st.w.onCommit = func(c commitInfo) {
		mu.Lock()
		cs = append(cs, Commit{c.start, c.d, c.work, c.last, c.idle})
		mu.Unlock()
	}
	return func() []Commit {
		mu.Lock()
		defer mu.Unlock()
		return append([]Commit(nil), cs...)
	}
}

// CommitWaits returns how many batches st's writer has held open in its
// group-commit window.
func CommitWaits(st *Store) int64 { return st.w.waits.Load() }

// IdleSteps returns how many steps of index moves st's writer has done in
// transactions of their own, between appends.
func IdleSteps(st *Store) int64 { return st.w.idleSteps.Load() }

// StepCommits makes st's writer, after every commit from now on, hand
// the commit over on the returned channel and wait, on its goroutine,
// until the caller sends on ack: the caller may look at the database as
// that commit left it. IdleNext tells whether the writer will do an idle
// step of the index move next, if nothing is queued then.
// The returned stop ends the hand-over (for a test that fails midway).
func StepCommits(st *Store) (commits <-chan SteppedCommit, ack chan<- struct{}, stop func()) {
	c, a, quit := make(chan SteppedCommit), make(chan struct{}), make(chan struct{})
	st.w.onCommit = func(ci commitInfo) {
		select {
		case c <- SteppedCommit{Commit{ci.start, ci.d, ci.work, ci.last, ci.idle}, st.w.idx.idleDue()}:
		case <-quit:
			return
		}
		select {
		case <-a:
		case <-quit:
		}
	}
	var once sync.Once
	return c, a, func() { once.Do(func() { close(quit) }) }
}

// SteppedCommit is a commit as StepCommits hands it over.
type SteppedCommit struct {
	Commit
	IdleNext bool
}
