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
