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
}

// RecordCommits makes st's writer record every commit from now on; the
// returned function hands over a copy of those recorded so far. Call it
// before the first append of the measurement.
func RecordCommits(st *Store) func() []Commit {
	var mu sync.Mutex
	var cs []Commit
	st.w.onCommit = func(c commitInfo) {
		mu.Lock()
		cs = append(cs, Commit{c.start, c.d, c.work, c.last})
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
