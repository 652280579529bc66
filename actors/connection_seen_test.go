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

// TestSeqSetAnsweredAhead: seqs answered ahead of their items are not
// received (the items between them still go out, and no run is made for
// them), each is received once its item comes (add), and past maxAhead
// the lowest is forgotten, reported by answered.
func TestSeqSetAnsweredAhead(t *testing.T) {
	var s seqSet
	s.add(1)
	forgot := 0
	for seq := uint64(3); seq < 3+2*(maxAhead+10); seq += 2 { // own: odd seqs from 3
		if !s.answered(seq) {
			forgot++
		}
	}
	if forgot != 10 || len(s.ahead) != maxAhead {
		t.Fatalf("answered %d ahead, forgot %d; want %d held and 10 forgotten", len(s.ahead), forgot, maxAhead)
	}
	if s.isAhead(3) || !s.isAhead(23) || s.has(2) || s.has(23) || len(s.spans) != 1 {
		t.Fatalf("isAhead(3)=%v isAhead(23)=%v has(2)=%v has(23)=%v spans %v", s.isAhead(3), s.isAhead(23), s.has(2), s.has(23), s.spans)
	}
	for seq := uint64(2); seq <= 24; seq++ { // the items come, in order
		s.add(seq)
	}
	if s.isAhead(23) || !s.has(23) || len(s.spans) != 1 || s.spans[0] != (span{1, 24}) || len(s.ahead) != maxAhead-1 {
		t.Fatalf("after the items: isAhead(23)=%v has(23)=%v spans %v, %d ahead", s.isAhead(23), s.has(23), s.spans, len(s.ahead))
	}
	if !s.answered(5) || s.isAhead(5) { // already received: nothing held
		t.Fatalf("a received seq answered again is held ahead")
	}
}
