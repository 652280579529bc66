package actors

import "math"

// maxSeqMarks bounds the marks a chat keeps (16 bytes each): a connection
// that attaches is caught up on the items of its chats stored after it
// was accepted (attachCatchUp); one whose subscribe reaches a chat more
// than maxSeqMarks items after that is caught up from the oldest mark
// kept, and must sync for the rest (counted in
// linkup_attach_catchups_short_total).
const maxSeqMarks = 256

// seqMark says that the chat's items up to Seq were all stored at log
// positions up to Pos.
type seqMark struct{ Seq, Pos uint64 }

// seqMarks is where a chat's recent items stand in the shared log: a mark
// per item (or batch of items) taken in, in seq order, at most
// maxSeqMarks of them (the buffer grows with the marks: a new chat holds
// one). Positions rise with seqs, so the marks answer "the first item
// stored after log position p" without the store.
type seqMarks struct {
	// created is the log position of the chat's creation (0: unknown, the
	// chat was never created here).
	created uint64
	// base is the newest mark dropped (zero: none).
	base seqMark
	ring []seqMark
	head int
}

// stored records that the items up to seq are stored at positions up to
// pos. The first mark a chat records is its creation (a load reads the
// stream from its first event; a new chat's first commit creates it).
func (m *seqMarks) stored(seq, pos uint64) {
	if pos == 0 { // not known (an append settled from the log): never taken as older than anything
		pos = math.MaxUint64
	}
	if m.created == 0 && len(m.ring) == 0 {
		m.created = pos
	}
	if n := len(m.ring); n > 0 && m.ring[(m.head+n-1)%n].Seq == seq {
		m.ring[(m.head+n-1)%n].Pos = max(m.ring[(m.head+n-1)%n].Pos, pos) // no new item: the mark only moves
		return
	}
	if len(m.ring) < maxSeqMarks {
		m.ring = append(m.ring, seqMark{Seq: seq, Pos: pos})
		return
	}
	m.base = m.ring[m.head]
	m.ring[m.head] = seqMark{Seq: seq, Pos: pos}
	m.head = (m.head + 1) % len(m.ring)
}

// since returns the first seq that may have been stored after log
// position pos, and whether the chat itself was created after it; short
// is set when the marks do not reach back to pos (older marks were
// dropped: items before lo may have been stored after pos too).
func (m *seqMarks) since(pos uint64) (lo uint64, created, short bool) {
	if m.created > pos {
		return 1, true, false
	}
	for i := len(m.ring) - 1; i >= 0; i-- {
		if mk := m.ring[(m.head+i)%len(m.ring)]; mk.Pos <= pos {
			return mk.Seq + 1, false, false
		}
	}
	return m.base.Seq + 1, false, m.base != (seqMark{})
}
