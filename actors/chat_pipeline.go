package actors

import (
	"errors"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/events"
)

type opKind uint8

const (
	opCreate opKind = iota
	opPost
	opRead
)

// op is one command waiting in a chat's pipeline. Posts are decided when
// their batch is formed, so seq is assigned against confirmed state only and
// stays gap-free even when a batch fails.
type op struct {
	kind    opKind
	create  chatCreate
	post    chatPost
	read    chatRead
	dups    []origin // later sends of the same client_msg_id, answered together
	ev      events.Event
	msgID   string
	decided bool
}

func (c *chatActor) onCreate(ctx actor.Context, m chatCreate) {
	if c.state.Created || len(c.queue)+len(c.flight) > 0 {
		c.replyErr(ctx, m.origin, "create_chat", ErrChatExists)
		return
	}
	ev, err := DecideCreate(c.state, m.Title, m.Members, m.User, now())
	if err != nil {
		c.replyErr(ctx, m.origin, "create_chat", AsError(err))
		c.retireIfEmpty(ctx)
		return
	}
	c.enqueue(ctx, &op{kind: opCreate, create: m, ev: ev, decided: true})
}

func (c *chatActor) onPost(ctx actor.Context, m chatPost) {
	in := PostInput{Sender: m.User, ClientMsgID: m.ClientMsgID, Body: m.Body, NextSeq: c.state.LatestSeq + 1, Now: now()}
	prev, dup, err := DecidePost(c.state, in)
	switch {
	case err != nil:
		c.replyErr(ctx, m.origin, "send_message", AsError(err))
		c.retireIfEmpty(ctx)
	case dup:
		c.ackDuplicate(ctx, m, prev.Seq)
	default:
		c.enqueuePost(ctx, m)
	}
}

func (c *chatActor) enqueuePost(ctx actor.Context, m chatPost) {
	key := dedupKey(m.User, m.ClientMsgID)
	if o, ok := c.waiting[key]; ok {
		o.dups = append(o.dups, m.origin)
		return
	}
	o := &op{kind: opPost, post: m, msgID: newMessageID()}
	if c.enqueue(ctx, o) {
		c.waiting[key] = o
	}
}

func (c *chatActor) onRead(ctx actor.Context, m chatRead) {
	if err := CheckReadable(c.state, m.User); err != nil {
		c.answerRead(ctx, m, 0, AsError(err))
		c.retireIfEmpty(ctx)
		return
	}
	c.enqueue(ctx, &op{kind: opRead, read: m})
}

// enqueue adds o to the next batch, refusing it when the chat is full.
func (c *chatActor) enqueue(ctx actor.Context, o *op) bool {
	if len(c.queue) >= maxChatPending {
		c.failOp(ctx, o, ErrOverloaded)
		return false
	}
	c.queue = append(c.queue, o)
	c.flush(ctx)
	return true
}

// flush sends the queued commands as one append when nothing is in flight.
func (c *chatActor) flush(ctx actor.Context) {
	if len(c.flight) > 0 || len(c.queue) == 0 || !c.loaded {
		return
	}
	batch, data := c.decideBatch(ctx)
	c.queue = c.queue[:0]
	if len(batch) == 0 {
		return
	}
	c.flight = batch
	c.batch++
	c.node.m.chatPending.Observe(float64(len(batch)))
	c.submit(ctx, data)
}

// decideBatch decides the queued ops against confirmed state, answering at
// once the reads that would not move a pointer.
func (c *chatActor) decideBatch(ctx actor.Context) ([]*op, []events.EventData) {
	var batch []*op
	var data []events.EventData
	seq := c.state.LatestSeq
	for _, o := range c.queue {
		if !c.decide(ctx, o, &seq) {
			continue
		}
		d, err := chatEventData(o.ev, o.origin(), c.node.name)
		if err != nil {
			c.failOp(ctx, o, AsError(err))
			continue
		}
		batch, data = append(batch, o), append(data, d)
	}
	return batch, data
}

func (c *chatActor) decide(ctx actor.Context, o *op, seq *uint64) bool {
	switch o.kind {
	case opPost:
		*seq++
		o.ev = events.MessagePosted{ChatID: c.id, Seq: *seq, MessageID: o.msgID, Sender: o.post.User,
			Body: o.post.Body, ClientMsgID: o.post.ClientMsgID, SentAt: now()}
	case opRead:
		ev, changed, err := DecideRead(c.state, o.read.User, c.readTarget(o.read), now())
		if err != nil || !changed {
			c.answerRead(ctx, o.read, ev.LastReadSeq, asErrOrNil(err))
			return false
		}
		o.ev = ev
	}
	return true
}

func (c *chatActor) readTarget(r chatRead) uint64 {
	if r.ToLatest {
		return c.state.LatestSeq
	}
	return r.Seq
}

func (c *chatActor) submit(ctx actor.Context, data []events.EventData) {
	expected := events.NoStream()
	if c.state.Created {
		expected = events.Exact(c.state.Revision)
	}
	self, batch, sys := ctx.Self(), c.batch, c.node.system
	ok := c.node.writer.Submit(events.ChatStream(c.id), expected, data, func(res events.AppendResult, err error) {
		sys.Root.Send(self, appendDone{Batch: batch, Res: res, Err: err})
	})
	if !ok {
		c.failFlight(ctx, ErrStoreUnavailable)
	}
}

func (c *chatActor) onAppended(ctx actor.Context, m appendDone) {
	if m.Batch != c.batch || len(c.flight) == 0 {
		return
	}
	if m.Err != nil {
		c.onAppendFailed(ctx, m.Err)
		return
	}
	c.commit(ctx, m.Res)
	c.flush(ctx)
}

func (c *chatActor) onAppendFailed(ctx actor.Context, err error) {
	c.node.log.Warn("chat append failed", "chat", c.id, "err", err)
	if !errors.Is(err, events.ErrWrongExpectedRevision) {
		c.failFlight(ctx, ErrStoreUnavailable)
		c.flush(ctx)
		return
	}
	// Someone else wrote this stream (another node, or an append that
	// timed out but landed): refuse the batch and reload the truth.
	conflict := ErrStoreUnavailable
	if c.flight[0].kind == opCreate {
		conflict = ErrChatExists
	}
	c.failFlight(ctx, conflict)
	c.loaded = false
	c.stash = append(c.stash, queuedAsMessages(c.queue)...)
	c.queue = nil
	c.startLoad(ctx)
}

func queuedAsMessages(q []*op) []any {
	out := make([]any, 0, len(q))
	for _, o := range q {
		switch o.kind {
		case opCreate:
			out = append(out, o.create)
		case opPost:
			out = append(out, o.post)
		case opRead:
			out = append(out, o.read)
		}
	}
	return out
}

func (c *chatActor) failFlight(ctx actor.Context, err *Error) {
	for _, o := range c.flight {
		c.failOp(ctx, o, err)
	}
	c.flight = nil
}

func (c *chatActor) failOp(ctx actor.Context, o *op, err *Error) {
	switch o.kind {
	case opCreate:
		c.replyErr(ctx, o.create.origin, "create_chat", err)
	case opPost:
		delete(c.waiting, dedupKey(o.post.User, o.post.ClientMsgID))
		for _, or := range append([]origin{o.post.origin}, o.dups...) {
			c.replyErr(ctx, or, "send_message", err)
		}
	case opRead:
		c.answerRead(ctx, o.read, 0, err)
	}
}

func (o *op) origin() origin {
	switch o.kind {
	case opCreate:
		return o.create.origin
	case opPost:
		return o.post.origin
	default:
		return o.read.origin
	}
}

func asErrOrNil(err error) *Error {
	if err == nil {
		return nil
	}
	return AsError(err)
}
