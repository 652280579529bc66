package actors

import (
	"errors"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// Pipelined appends. A chat keeps up to maxChatFlights appends in flight:
// while batch n is being made durable, the commands queued meanwhile are
// decided as batch n+1 against the state after batch n's events (the
// speculative state, spec: a clone of the durable state advanced by every
// batch in flight) and submitted right behind it, with the expected
// revision that follows batch n's events. So a message that arrives while
// its chat has an append in flight waits for the store's next commit, not
// for that commit and then one more.
//
// What a client sees does not change:
//
//   - nothing is sent for a speculative batch before it is durable and
//     every batch before it has been answered and fanned out: its replies
//     all wait for its append (a speculative decision with a reply that
//     would go at once, or without events, is dropped and its commands
//     wait until nothing is in flight), and batches are committed in
//     order (settleFlights), whatever order their answers come in;
//   - when a batch fails, every batch behind it was decided on a state the
//     log does not hold: the chat waits for all their answers (the writer
//     answers every append, within its timeout) and then handles them
//     together, in order (resolveBroken): all refused for the expected
//     revision, their commands are decided again after a catch-up, as
//     after one conflict; otherwise each batch is settled from the log as
//     an append of unknown outcome (chat_observe_unsure.go).
//
// Pipelining is sound only where a batch behind one that failed cannot be
// stored: the store must take a chat's appends in the order submitted and
// the chat must be its stream's only appender, else another appender's
// events could fill batch n's revisions and let batch n+1 land on them.
// That holds for the embedded store (asyncStore: one writer goroutine
// taking its queue in order; one process per directory, by lock) as long
// as no batch of this chat that timed out may still land (unacked empty,
// no unsure batch). Over any other store (PostgreSQL: several nodes
// append, and the writer's worker pool may reorder a chat's appends) a
// chat keeps one append in flight, as before.

// maxChatFlights bounds the appends one chat has in flight at once over a
// store that can pipeline; linkup_chat_flights_full_total counts the
// times a chat had commands waiting at the bound. Two (one batch waiting
// behind the one being committed) takes the extra commit off a message's
// wait; more only splits the chat's commands into smaller batches, each
// a fan-out of its own: measured (chats 200x5 at 10 msg/s per client, and
// fanout 1000 members at 200 msg/s), four was slower than two, as the
// store is the bottleneck then.
const maxChatFlights = 2

// maxSpecItems bounds the chats that pipeline by their history: a run of
// flights starts with a copy of the durable state (chat.State.Clone),
// which grows with the chat's items, one entry per seq (`go test ./chat
// -bench Clone`: 10 µs at 1,000 items, 77 µs at 16,384, 0.8 ms at
// 100,000). A chat past this many items keeps one append in flight, as
// before pipelining; a var so that tests can lower it.
var maxSpecItems uint64 = 16_384

// flight is a decided batch whose append is in flight.
type flight struct {
	ops   []*op
	ready chat.Ready
	data  []events.EventData // its events as appended (their ids, in order), held by the store until it answers anyway
	batch uint64             // its number, to match the append's answer
	rev   uint64             // the stream revision of its first event, if stored
	// done is the append's answer once answered is set: kept in the
	// flight, not in an allocation of its own.
	done     appendDone
	answered bool
}

// flightBound is how many appends the chat may have in flight.
func (c *chatActor) flightBound() int {
	if c.node.writer.async == nil || len(c.unacked.order) > 0 || len(c.unsure) > 0 || c.state.LatestSeq > maxSpecItems {
		return 1
	}
	return maxChatFlights
}

// pipeline decides the queue speculatively behind the flights and submits
// it, when the chat may.
func (c *chatActor) pipeline(ctx actor.Context) {
	if len(c.queue) == 0 || c.broken || c.specBlocked || !c.loaded || c.catching || len(c.waitFresh) > 0 {
		return
	}
	bound := c.flightBound()
	if len(c.flights) >= bound {
		if bound > 1 && !c.atBound {
			c.atBound = true
			c.node.m.chatFlightsFull.Inc()
		}
		return
	}
	spec := c.specState()
	if c.overflow || c.observedAfter(spec) {
		return // another appender's events: decided once they are applied
	}
	ops := c.queue
	rd := chat.Decide(spec, now(), commandsOf(ops))
	if len(rd.Events) == 0 || !allWait(rd) {
		c.specBlocked = true // decided again against durable state
		return
	}
	data, err := c.eventData(ops, rd.Events)
	if err != nil {
		c.specBlocked = true
		return
	}
	c.queue = nil
	if !c.launch(ctx, &flight{ops: ops, ready: rd}, data) {
		c.queue, c.specBlocked = ops, true // the writer is full: decided again later
	}
}

// allWait reports whether every reply of rd waits for its append.
func allWait(rd chat.Ready) bool {
	for _, r := range rd.Replies {
		if !r.Waits {
			return false
		}
	}
	return true
}

// specState is the state after every batch in flight.
func (c *chatActor) specState() *ChatState {
	if c.spec == nil {
		if c.spec = c.takeTwin(); c.spec == nil { // chat_twin.go
			c.spec = c.state.Clone()
		}
		c.specWant = c.state.Applied()
		for _, f := range c.flights {
			c.advanceSpec(f)
		}
	}
	return c.spec
}

// observedAfter reports whether an observed event held is past what spec
// holds: another appender's, which the chat must apply first.
func (c *chatActor) observedAfter(spec *ChatState) bool {
	next := uint64(0)
	if spec.Created {
		next = spec.Revision + 1
	}
	for _, rec := range c.observed {
		if rec.Revision >= next {
			return true
		}
	}
	return false
}

func (c *chatActor) flightOf(batch uint64) *flight {
	for _, f := range c.flights {
		if f.batch == batch {
			return f
		}
	}
	return nil
}

// settleFlights commits the answered flights at the head, in order, and
// handles a failed one once every flight behind it has answered.
func (c *chatActor) settleFlights(ctx actor.Context) {
	for len(c.flights) > 0 && !c.broken {
		head := c.flights[0]
		if !head.answered {
			return
		}
		if head.done.Err != nil {
			c.broken = true
			break
		}
		c.commitAndNext(ctx, head.done.Res)
	}
	for _, f := range c.flights {
		if !f.answered {
			return
		}
	}
	if c.broken {
		c.resolveBroken(ctx)
	}
}

// popFlight takes the head flight off (a chat at the bound may be counted
// again); with none left, the speculative state goes.
func (c *chatActor) popFlight() *flight {
	f := c.flights[0]
	c.flights[0] = nil
	c.flights, c.atBound = c.flights[1:], false
	if len(c.flights) == 0 {
		if c.spec != nil { // its last flight: see followTwin
			c.specDone = specRun{s: c.spec, want: c.specWant}
		}
		c.endFlights()
	}
	return f
}

func (c *chatActor) endFlights() {
	c.flights, c.spec, c.broken, c.specBlocked, c.atBound = nil, nil, false, false, false
}

// resolveBroken handles the flights from a failed one on, all answered.
// Those refused for the expected revision are not stored: when all are,
// the first lost to another appender and the rest were decided behind it,
// and their commands are decided again after a catch-up. Otherwise the
// log says what became of the flights up to the last one not refused
// (chat_observe_unsure.go); the refused ones after it are decided again
// after them.
func (c *chatActor) resolveBroken(ctx actor.Context) {
	fs := c.flights
	c.endFlights()
	if len(fs) > 1 {
		c.node.m.chatFlightsBroken.Inc()
	}
	last := -1
	for i, f := range fs {
		if !errors.Is(f.done.Err, events.ErrWrongExpectedRevision) {
			last = i
		}
	}
	if last < 0 {
		c.onConflict(ctx, fs)
		return
	}
	c.requeue(fs[last+1:])
	err := fs[last].done.Err
	if err == nil {
		err = fs[0].done.Err
	}
	c.onAppendUnknown(ctx, fs[:last+1], err)
}

// pruneObserved drops the observed events held that the chat has applied
// as its own appends' (the follower hands them back), so a chat that keeps
// appends in flight does not hold them until it is idle.
func (c *chatActor) pruneObserved() {
	next := c.nextRevision()
	keep := c.observed[:0]
	for _, rec := range c.observed {
		if rec.Revision >= next || rec.Revision < c.loadedNext {
			keep = append(keep, rec)
		}
	}
	clear(c.observed[len(keep):])
	c.observed = keep
	if len(keep) == 0 {
		c.observed = nil
	}
}
