package actors

import "slices"

// maxSeenSpans bounds the disjoint runs of seqs a connection remembers per
// chat. A client that follows the protocol (first frame sync_request) makes
// one run; each later sync from below what it holds may add one. Past the
// bound the two lowest runs are joined, the seqs between them counted as
// received: a later sync on that connection does not send them (get_history
// does). Never reached by the property test's clients.
const maxSeenSpans = 64

// span is the run of seqs lo..hi.
type span struct{ lo, hi uint64 }

// seqSet is the set of a chat's seqs one connection has received (live, in
// a sync answer, or as the ack of its own send), as sorted disjoint runs,
// so that no seq is ever sent to it twice; and the client's last sync
// position on the connection (floor): it holds every seq up to it, so
// none of them is sent to it live either (PROTOCOL.md section 4: a sync's
// position is the last seq the client saw). Such items come when the
// node's view of the chat was behind the client's: a welcome's catch-up
// items, or the log follower delivering what another node stored.
type seqSet struct {
	spans []span
	floor uint64
	// ahead are the connection's own seqs that an ack carried (a post's,
	// or a routed command's from the chat's owner) before the chat here
	// delivered their items: those come later (from the log, for a routed
	// command), with the other members' items between them. Kept apart from spans, so that the
	// runs stay few and no other member's item is counted as received
	// (maxSeenSpans joins runs); an item of one is the connection's own
	// (emits). Sorted, at most maxAhead.
	ahead []uint64
}

// maxAhead bounds a chat's seqs answered ahead of their items on one
// connection. Past it the lowest is forgotten (counted in
// linkup_own_seqs_forgotten_total): if its item still comes, the client
// gets its own message as a frame besides its ack, rather than another
// member's item being lost.
const maxAhead = 256

// answered notes seq, the connection's own, as answered; it reports
// false when it forgot another to make room.
func (s *seqSet) answered(seq uint64) bool {
	if s.has(seq) {
		return true
	}
	i, found := slices.BinarySearch(s.ahead, seq)
	if found {
		return true
	}
	s.ahead = slices.Insert(s.ahead, i, seq)
	if len(s.ahead) > maxAhead {
		s.ahead = slices.Delete(s.ahead, 0, 1)
		return false
	}
	return true
}

// isAhead reports whether seq was answered before its item came.
func (s *seqSet) isAhead(seq uint64) bool {
	if len(s.ahead) == 0 {
		return false
	}
	_, found := slices.BinarySearch(s.ahead, seq)
	return found
}

// has reports whether the connection must not get seq: it received it,
// or its last sync position covers it.
func (s *seqSet) has(seq uint64) bool {
	return (seq > 0 && seq <= s.floor) || s.received(seq)
}

// received reports whether seq was sent to the connection.
func (s *seqSet) received(seq uint64) bool {
	i, found := s.find(seq)
	return found || (i > 0 && s.spans[i-1].hi >= seq)
}

// synced records the position of a sync_request naming the chat: the
// client holds every seq up to pos. A later sync from lower down lowers
// it (the client says it lost the rest), so that sync's answer carries
// them again unless the connection received them.
func (s *seqSet) synced(pos uint64) { s.floor = pos }

// find returns the index of the first run starting at or after seq.
func (s *seqSet) find(seq uint64) (int, bool) {
	return slices.BinarySearchFunc(s.spans, seq, func(r span, seq uint64) int {
		switch {
		case r.lo < seq:
			return -1
		case r.lo > seq:
			return 1
		}
		return 0
	})
}

// add puts seq in the set, joining the runs it touches (and no longer
// ahead).
func (s *seqSet) add(seq uint64) {
	if len(s.ahead) > 0 {
		if i, found := slices.BinarySearch(s.ahead, seq); found {
			s.ahead = slices.Delete(s.ahead, i, i+1)
		}
	}
	if s.received(seq) {
		return
	}
	i, _ := s.find(seq)
	joinsPrev := i > 0 && s.spans[i-1].hi+1 == seq
	joinsNext := i < len(s.spans) && s.spans[i].lo == seq+1
	switch {
	case joinsPrev && joinsNext:
		s.spans[i-1].hi = s.spans[i].hi
		s.spans = slices.Delete(s.spans, i, i+1)
	case joinsPrev:
		s.spans[i-1].hi = seq
	case joinsNext:
		s.spans[i].lo = seq
	default:
		s.spans = slices.Insert(s.spans, i, span{seq, seq})
		if len(s.spans) > maxSeenSpans {
			s.spans[1].lo = s.spans[0].lo
			s.spans = slices.Delete(s.spans, 0, 1)
		}
	}
}
