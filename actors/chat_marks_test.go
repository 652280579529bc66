package actors

import (
	"math"
	"testing"
)

// TestSeqMarks: a chat's marks answer "the first item stored after log
// position p" exactly while they reach back to p, say when the chat was
// created after p, and past maxSeqMarks items answer from the oldest mark
// kept, reporting it short. An append whose position is not known never
// counts as older than any position.
func TestSeqMarks(t *testing.T) {
	var m seqMarks
	m.stored(0, 10) // creation alone
	m.stored(0, 11) // a read pointer: no item
	m.stored(2, 15) // items 1 and 2 in one batch
	m.stored(3, 20)
	for _, c := range []struct {
		pos           uint64
		lo            uint64
		created, shrt bool
	}{
		{pos: 5, lo: 1, created: true},
		{pos: 10, lo: 1}, // 11 moved the creation's mark: the answer may only be lower
		{pos: 11, lo: 1},
		{pos: 14, lo: 1},
		{pos: 15, lo: 3},
		{pos: 19, lo: 3},
		{pos: 20, lo: 4},
		{pos: 99, lo: 4},
	} {
		lo, created, short := m.since(c.pos)
		if lo != c.lo || created != c.created || short != c.shrt {
			t.Errorf("since(%d) = %d, %v, %v; want %d, %v, %v", c.pos, lo, created, short, c.lo, c.created, c.shrt)
		}
	}
	m.stored(4, 0) // settled from the log: position unknown
	if lo, _, _ := m.since(99); lo != 4 {
		t.Errorf("since(99) after an unknown position = %d, want 4", lo)
	}
	if m.ring[len(m.ring)-1].Pos != math.MaxUint64 {
		t.Errorf("unknown position kept as %d", m.ring[len(m.ring)-1].Pos)
	}
	for seq := uint64(5); seq < 5+2*maxSeqMarks; seq++ {
		m.stored(seq, 100+seq)
	}
	if len(m.ring) != maxSeqMarks {
		t.Fatalf("%d marks kept, want %d", len(m.ring), maxSeqMarks)
	}
	if lo, created, short := m.since(20); lo != m.base.Seq+1 || created || !short {
		t.Errorf("since(20) past the kept marks = %d, %v, %v; want %d, false, true", lo, created, short, m.base.Seq+1)
	}
	last := uint64(5 + 2*maxSeqMarks - 1)
	if lo, _, short := m.since(100 + last - 1); lo != last || short {
		t.Errorf("since(just before the last) = %d, %v; want %d, false", lo, short, last)
	}
}
