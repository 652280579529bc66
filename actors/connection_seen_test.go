package actors

import (
	"math/rand/v2"
	"testing"
)

// The seq set agrees with a plain map for any order of additions (while
// the runs stay under their bound).
func TestSeqSetMatchesAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var s seqSet
		want := map[uint64]bool{}
		top := uint64(1 + r.IntN(100))
		for range r.IntN(120) {
			seq := 1 + r.Uint64N(top)
			s.add(seq)
			want[seq] = true
		}
		if len(s.spans) >= maxSeenSpans {
			continue
		}
		for seq := uint64(0); seq <= top+1; seq++ {
			if s.has(seq) != want[seq] {
				t.Fatalf("round %d: has(%d) = %v, want %v (spans %v)", round, seq, s.has(seq), want[seq], s.spans)
			}
		}
		for i := 1; i < len(s.spans); i++ {
			if s.spans[i].lo <= s.spans[i-1].hi+1 {
				t.Fatalf("round %d: runs not disjoint and apart: %v", round, s.spans)
			}
		}
	}
}

// TestSeqSetSyncPosition: a sync's position covers every seq up to it
// (the client holds them), and a later sync from lower down uncovers those
// the connection never received.
func TestSeqSetSyncPosition(t *testing.T) {
	var s seqSet
	s.add(2)
	s.synced(5)
	for seq := uint64(1); seq <= 5; seq++ {
		if !s.has(seq) {
			t.Fatalf("after a sync from 5, has(%d) = false", seq)
		}
	}
	if s.has(0) || s.has(6) {
		t.Fatal("a sync from 5 covers 0 or 6")
	}
	s.synced(1)
	if !s.has(1) || !s.has(2) || s.has(3) || s.has(5) {
		t.Fatalf("after a sync from 1: has(1..5) = %v %v %v %v %v, want true true false false false", s.has(1), s.has(2), s.has(3), s.has(4), s.has(5))
	}
}
