package main

// seqSet is a growable bitset of sequence numbers (seq 1 is bit 1).
type seqSet struct{ w []uint64 }

// add sets s and reports whether it was already set.
func (b *seqSet) add(s uint64) bool {
	i := s / 64
	for uint64(len(b.w)) <= i {
		b.w = append(b.w, 0)
	}
	m := uint64(1) << (s % 64)
	had := b.w[i]&m != 0
	b.w[i] |= m
	return had
}

func (b *seqSet) has(s uint64) bool {
	i := s / 64
	return i < uint64(len(b.w)) && b.w[i]&(1<<(s%64)) != 0
}

// chatTally is what one receiver saw of one chat: the seqs delivered to it,
// the seqs of its own acked messages (which it gets as acks, not as
// message frames), and the repeats.
type chatTally struct {
	seen      seqSet
	own       seqSet
	maxSeen   uint64 // highest seq seen, delivered or own
	maxOthers uint64 // highest seq delivered that is not the receiver's own
	readMark  uint64 // where the receiver's read pointer is at least: its last receipt or own message
	contig    uint64 // every seq up to here is seen or own
	delivered uint64 // message frames, repeats included
	dups      uint64
}

// deliver records a message frame and reports whether it was a repeat.
func (t *chatTally) deliver(seq uint64) bool {
	t.delivered++
	t.maxSeen = max(t.maxSeen, seq)
	if t.seen.add(seq) || t.own.has(seq) {
		t.dups++
		return true
	}
	t.maxOthers = max(t.maxOthers, seq)
	return false
}

// acked records the seq of one of the receiver's own messages.
// The server moves a sender's read pointer to its own message, so the
// receiver's pointer is at least there.
func (t *chatTally) acked(seq uint64) {
	t.maxSeen = max(t.maxSeen, seq)
	t.readMark = max(t.readMark, seq)
	t.own.add(seq)
}

// unread returns the seq a read_receipt should name, the highest seq
// delivered from others, and whether it lies above the receiver's known
// read pointer (else a receipt could not move it and is not due).
func (t *chatTally) unread() (uint64, bool) {
	return t.maxOthers, t.maxOthers > t.readMark
}

// read records a read_receipt sent up to seq.
func (t *chatTally) read(seq uint64) { t.readMark = max(t.readMark, seq) }

// position is the seq a sync_request should name: the highest seq below
// which nothing is missing.
func (t *chatTally) position() uint64 {
	for t.contig+1 <= t.maxSeen && (t.seen.has(t.contig+1) || t.own.has(t.contig+1)) {
		t.contig++
	}
	return t.contig
}

// account returns, for a chat whose last stored seq is last, how many
// deliveries this receiver should have had and how many of them it lacks.
func (t *chatTally) account(last uint64) (expected, missing uint64) {
	for s := uint64(1); s <= last; s++ {
		if t.own.has(s) {
			continue
		}
		expected++
		if !t.seen.has(s) {
			missing++
		}
	}
	return expected, missing
}

// complete reports whether every seq up to last is seen or own.
func (t *chatTally) complete(last uint64) bool {
	return t.position() >= last
}
