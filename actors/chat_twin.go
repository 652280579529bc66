package actors

// The twin: a copy of the chat's durable state kept in step with it, so
// that a run of pipelined appends starts its speculative state (spec,
// chat_flights.go) without a deep copy. chat.State.Clone copies the whole
// state: every sender's client_msg_id window (up to 256 ids each), an
// entry per seq, the pointer maps; a busy chat of five members at 10
// msg/s each started a run every few messages, and those copies were the
// largest share of the chat path's allocated bytes (`go test ./actors
// -bench ChatPath -memprofile`).
//
// When a run of flights ends with every flight committed, its spec holds
// exactly the events the state was advanced by: it becomes the twin.
// While no spec is in use, every batch committed is applied to the twin
// too (the same events at the same revisions: an Apply costs a few
// hundred ns, a clone tens of µs). The next run takes the twin as its
// spec. Anything else that moves the state (another appender's events
// applied from the log, a load) drops the twin, and the twin is used
// only if the state's count of applied events (chat.State.Applied), its
// revision and its latest seq are where the twin's copy says: otherwise
// the spec is a clone, as before. A chat idle for ChatIdleAfter, or past
// maxSpecItems (it no longer pipelines), drops its twin.

// twinState is the chat's twin: s equals of (the chat's state) as it
// stood when of.Applied() was mark.
type twinState struct {
	s    *ChatState
	of   *ChatState
	mark uint64
}

// specRun is what a run's spec was built from: the state's applied count
// when the spec was made, plus the events advanced into the spec since.
// When the state's count reaches it, the two hold the same events.
type specRun struct {
	s    *ChatState
	want uint64
}

// takeTwin returns the twin, equal to the state, and forgets it; nil if
// there is none or it is not equal.
func (c *chatActor) takeTwin() *ChatState {
	t := c.twin
	c.twin = twinState{}
	if t.s == nil || t.of != c.state || t.mark != c.state.Applied() ||
		t.s.Revision != c.state.Revision || t.s.LatestSeq != c.state.LatestSeq || t.s.Created != c.state.Created {
		return nil
	}
	return t.s
}

// dropTwin forgets the twin and a finished run's spec: the state moved by
// something they were not advanced by.
func (c *chatActor) dropTwin() {
	c.twin, c.specDone = twinState{}, specRun{}
}

// advanceSpec applies flight f's events to the spec.
func (c *chatActor) advanceSpec(f *flight) {
	c.spec.Advance(f.ready, f.rev)
	c.specWant += uint64(len(f.ready.Events))
}

// followTwin is called by commitState once the state has been advanced
// by a committed batch (rd at revision first) from applied count before:
// a finished run's spec holding the same events becomes the twin, or the
// twin, in step before the batch, takes the batch too.
func (c *chatActor) followTwin(f *flight, first, before uint64) {
	if c.state.LatestSeq > maxSpecItems {
		c.dropTwin() // the chat no longer pipelines: no second copy
		return
	}
	if d := c.specDone; d.s != nil {
		c.specDone = specRun{}
		if d.want == c.state.Applied() {
			c.twin = twinState{s: d.s, of: c.state, mark: d.want}
		}
		return
	}
	t := c.twin
	if t.s == nil || c.spec != nil {
		return
	}
	if t.of != c.state || t.mark != before {
		c.twin = twinState{}
		return
	}
	t.s.Advance(f.ready, first)
	c.twin.mark = c.state.Applied()
}
