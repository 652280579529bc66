package actors

import (
	"slices"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// op is one command waiting in a chat's queue: the request as it came in
// (to answer it) and the command chat.Decide takes. Commands are decided
// when their batch is formed, against durable state, or against the state
// after the batches in flight (chat_flights.go), which fail with any batch
// before them; so seqs stay gap-free even when a batch fails.
type op struct {
	msg any // chatCreate, chatPost, chatRead, the timeline commands (chatTyping is never queued)
	cmd chat.Command
	// retried is set once the op's batch lost an append to another
	// appender and the op was queued to be decided again (onConflict).
	retried bool
}

func (c *chatActor) onCreate(ctx actor.Context, m chatCreate) {
	c.enqueue(ctx, &op{msg: m, cmd: chat.Create{By: m.User, Title: m.Title, Members: m.Members}})
}

// onPost queues post m; boxed is m as it came in (an interface value
// already), kept as the op's msg instead of boxing m again.
// The op and its chat.Post are one allocation (postOp), the op's cmd
// pointing at the post instead of boxing a copy of it.
func (c *chatActor) onPost(ctx actor.Context, m chatPost, boxed any) {
	p := &postOp{op: op{msg: boxed}, post: chat.Post{Sender: m.User, ClientMsgID: m.ClientMsgID, Body: m.Body, MessageID: newMessageID()}}
	p.cmd = &p.post
	c.enqueue(ctx, &p.op)
}

// postOp is a post's op with its command beside it.
type postOp struct {
	op
	post chat.Post
}

func (c *chatActor) onRead(ctx actor.Context, m chatRead) {
	c.enqueue(ctx, &op{msg: m, cmd: chat.Read{User: m.User, Seq: m.Seq, ToLatest: m.ToLatest}})
}

// onTyping decides a typing indicator at once: it stores nothing, so it
// does not wait behind the queue.
func (c *chatActor) onTyping(ctx actor.Context, m chatTyping) {
	ops := []*op{{msg: m}}
	rd := chat.Decide(c.state, now(), []chat.Command{chat.Typing{User: m.User, IsTyping: m.IsTyping}})
	for _, r := range rd.Replies {
		c.replyErr(ctx, m.origin, "typing", fromChat(r.Err))
	}
	c.deliver(ctx, ops, rd.Deliveries)
}

// enqueue adds o to the next batch, refusing it when the chat is full. A
// chat that retired while handling its stash passes the rest on to its
// next actor.
func (c *chatActor) enqueue(ctx actor.Context, o *op) {
	if c.retired {
		c.node.sendChat(c.id, o.msg)
		return
	}
	if len(c.queue) >= maxChatPending {
		c.refuse(ctx, o.msg, ErrOverloaded)
		return
	}
	c.queue = append(c.queue, o)
	c.flush(ctx)
}

// flush decides the queued commands as one batch: replies that do not
// wait for the append go at once, the events go to the writer as one
// append. With appends in flight, the batch is decided speculatively
// behind them (pipeline, chat_flights.go).
//
// Events other appenders stored meanwhile (held while busy, see
// chat_observe.go) are applied first, so the batch is decided against the
// newest state known; a gap in them starts a catch-up read, and the batch
// waits for it.
func (c *chatActor) flush(ctx actor.Context) { c.flushHeld(ctx, nil) }

// flushHeld is flush with what the batch sends at once (the replies that
// do not wait, the deliveries of a batch without events, refusals) handed
// to h: onAppended submits the next batch first and sends them after the
// committed batch's fan-out (chat_commit.go).
func (c *chatActor) flushHeld(ctx actor.Context, h *heldSends) {
	if len(c.flights) > 0 {
		c.pipeline(ctx)
		return
	}
	if !c.loaded || c.catching || c.readForWaiting(ctx) {
		return
	}
	c.drainObserved(ctx)
	if len(c.queue) == 0 || c.catching {
		return
	}
	ops := c.queue
	c.queue = nil
	rd := chat.Decide(c.state, now(), commandsOf(ops))
	for i := range rd.Replies {
		if !rd.Replies[i].Waits {
			r := rd.Replies[i] // on the heap (the closure's) only when a send is held
			h.do(func() { c.answer(ctx, ops[r.Cmd], r) })
		}
	}
	if len(rd.Events) == 0 {
		h.do(func() { c.deliver(ctx, ops, rd.Deliveries) })
		c.retireIfEmpty(ctx)
		return
	}
	f := &flight{ops: ops, ready: rd}
	data, err := c.eventData(ops, rd.Events)
	if err != nil {
		c.failFlights(ctx, []*flight{f}, protocol.AsError(err), h)
		c.flushHeld(ctx, h)
		return
	}
	if !c.launch(ctx, f, data) {
		c.failFlights(ctx, []*flight{f}, ErrStoreUnavailable, h)
		c.flushHeld(ctx, h)
	}
}

func commandsOf(ops []*op) []chat.Command {
	out := make([]chat.Command, len(ops))
	for i, o := range ops {
		out[i] = o.cmd
	}
	return out
}

// eventData encodes the events with the correlation of the command that
// caused each.
func (c *chatActor) eventData(ops []*op, evs []chat.Event) ([]events.EventData, error) {
	data := make([]events.EventData, len(evs))
	for i, e := range evs {
		d, err := chatEventData(e.Event, ops[e.Cmd].origin(), c.node.name)
		if err != nil {
			return nil, err
		}
		d.ID = newEventID() // how the chat knows its batch in the log (chat_observe_unsure.go)
		data[i] = d
	}
	return data, nil
}

// launch submits f's events with the expected revision of the state it
// was decided against (the durable state, or the speculative one behind
// the flights, chat_flights.go) and adds it to the flights. It reports
// false, leaving the flights as they were, when the writer refused it.
func (c *chatActor) launch(ctx actor.Context, f *flight, data []events.EventData) bool {
	base := c.state
	if len(c.flights) > 0 {
		base = c.spec
	}
	expected := events.NoStream()
	if base.Created {
		expected, f.rev = events.Exact(base.Revision), base.Revision+1
	}
	c.batch++
	f.batch, f.data = c.batch, data
	self, batch, n, members := ctx.Self(), c.batch, c.node, membership(f.ready.Events)
	ok := c.node.writer.Submit(events.ChatStream(c.id), expected, data, func(res events.AppendResult, err error) {
		n.appended(self, members, appendDone{Batch: batch, Res: res, Err: err}) // see membership
	})
	if !ok {
		return false
	}
	if len(c.flights) > 0 {
		c.advanceSpec(f)
	}
	c.flights = append(c.flights, f)
	c.node.m.chatPending.Observe(float64(len(f.ready.Events)))
	return true
}

// onAppended takes an append's answer. Answers may come out of order (a
// batch with a membership change goes through the directory's owner
// first): each is kept on its flight, and the flights are settled in
// order (settleFlights).
func (c *chatActor) onAppended(ctx actor.Context, m appendDone) {
	f := c.flightOf(m.Batch)
	if f == nil || f.answered {
		return
	}
	f.done, f.answered = m, true
	c.settleFlights(ctx)
}

// onConflict handles appends the log refused because the stream moved
// on: another appender (another node's activation of this chat, or an
// append of ours that timed out but landed) wrote first. Nothing of the
// batches happened and no seq was given out. The chat catches up from the
// log (chat_observe.go: the events are applied and delivered to the local
// subscribers, the dedup window with them) and decides the batches'
// commands once more against the new state, first in the queue: a resent
// client_msg_id then finds its original, a create finds the chat exists.
// A command whose batch loses twice is answered `unavailable` (retryable:
// the client resends it with the same ref and client_msg_id), so a chat
// contended by several nodes never holds a command for long.
func (c *chatActor) onConflict(ctx actor.Context, fs []*flight) {
	c.node.fm.conflicts.Inc()
	c.redecide(ctx, fs)
	c.catchUp(ctx)
}

// redecide drops batches the log does not hold and never will: their
// waiting commands go back to the head of the queue, in order, to be
// decided again after the catch-up. A command of the first batch (the one
// that lost) already decided again is answered `unavailable`; the later
// batches only fell with it (they were decided behind it).
func (c *chatActor) redecide(ctx actor.Context, fs []*flight) {
	if len(fs) == 0 {
		return
	}
	var again []*op
	for _, r := range fs[0].ready.Replies {
		o := fs[0].ops[r.Cmd]
		switch {
		case !r.Waits: // answered when decided
		case o.retried:
			c.node.fm.conflictRefusals.Inc()
			c.refuse(ctx, o.msg, ErrStoreUnavailable)
		default:
			o.retried = true
			again = append(again, o)
		}
	}
	c.queue = append(again, c.queue...)
	c.requeueAfter(len(again), fs[1:])
}

// requeue puts the waiting commands of batches that were not stored, and
// were decided behind one that failed, back at the head of the queue, in
// order.
func (c *chatActor) requeue(fs []*flight) { c.requeueAfter(0, fs) }

// requeueAfter is requeue behind the first n commands of the queue.
func (c *chatActor) requeueAfter(n int, fs []*flight) {
	var again []*op
	for _, f := range fs {
		for _, r := range f.ready.Replies {
			if r.Waits {
				again = append(again, f.ops[r.Cmd])
			}
		}
	}
	if len(again) == 0 {
		return
	}
	c.queue = slices.Concat(c.queue[:n:n], again, c.queue[n:])
}

// failFlights drops batches that were not stored: the commands whose
// events they carried are answered with err (through h, see flushHeld),
// the others whose answer waited for them go back to the head of the
// queue, in order, to be decided again.
func (c *chatActor) failFlights(ctx actor.Context, fs []*flight, err *protocol.Error, h *heldSends) {
	var again []*op
	for _, f := range fs {
		for _, r := range f.ready.Replies {
			switch {
			case !r.Waits: // answered when decided
			case r.Stored:
				msg := f.ops[r.Cmd].msg
				h.do(func() { c.refuse(ctx, msg, err) })
			default:
				again = append(again, f.ops[r.Cmd])
			}
		}
	}
	c.queue = append(again, c.queue...)
}

func (o *op) origin() origin {
	switch m := o.msg.(type) {
	case chatCreate:
		return m.origin
	case chatPost:
		return m.origin
	case chatRead:
		return m.origin
	case chatTyping:
		return m.origin
	case chatAddMembers:
		return m.origin
	case chatRemoveMember:
		return m.origin
	case chatEdit:
		return m.origin
	case chatDelete:
		return m.origin
	case chatDelivered:
		return m.origin
	}
	return origin{}
}

// membership picks a batch's membership events (ChatCreated, MembersAdded,
// MemberRemoved). Once the batch is durable, the append's completion
// hands them to the directory's owner (Node.appended, directory_owner.go),
// which publishes them and only then passes the appendDone on: the chat
// actor learns the batch is durable, tells the user actors (userJoined)
// and answers after the directory shows it, so a connection that sees the
// ack finds the chat in the directory.
func membership(evs []chat.Event) []events.Event {
	var out []events.Event
	for _, e := range evs {
		switch e.Event.(type) {
		case events.ChatCreated, events.MembersAdded, events.MemberRemoved:
			out = append(out, e.Event)
		}
	}
	return out
}
