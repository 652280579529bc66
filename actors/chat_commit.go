package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/events"
)

// commit applies a durable batch to the state, then answers every request
// and fans the batch out to subscribers, in seq order.
func (c *chatActor) commit(ctx actor.Context, res events.AppendResult) {
	first := res.NextExpectedRevision + 1 - uint64(len(c.flight))
	var items []deliverItem
	for i, o := range c.flight {
		rec := events.RecordedEvent{Stream: events.ChatStream(c.id), Revision: first + uint64(i), Type: o.ev.EventType()}
		c.state.Apply(rec, o.ev)
		items = c.effects(ctx, o, items)
	}
	c.flight = nil
	c.fanOut(ctx, items)
}

// effects answers one committed op and returns items extended by what it
// fans out.
func (c *chatActor) effects(ctx actor.Context, o *op, items []deliverItem) []deliverItem {
	switch ev := o.ev.(type) {
	case events.ChatCreated:
		c.onCreated(ctx, o.create, ev)
	case events.MessagePosted:
		delete(c.waiting, dedupKey(ev.Sender, ev.ClientMsgID))
		c.recent.add(ev)
		ack := replyFrame{Frame: ackOf(o.post.Ref, ev)}
		ctx.Send(o.post.Conn, ack)
		for _, d := range o.dups {
			ctx.Send(d.Conn, replyFrame{Frame: ackOf(d.Ref, ev)})
		}
		return c.appendItem(items, messageFrameOf(ev), ev.Seq, o.post.Conn)
	case events.ChatRead:
		cur := c.state.Read[ev.User]
		c.answerRead(ctx, o.read, cur, nil)
		return c.appendItem(items, ReadFrame{ChatID: c.id, User: ev.User, LastReadSeq: cur}, 0, o.read.Conn)
	}
	return items
}

func (c *chatActor) appendItem(items []deliverItem, f Frame, seq uint64, from *actor.PID) []deliverItem {
	b, err := c.node.enc.Encode(f)
	if err != nil {
		c.node.log.Error("encode frame", "type", f.FrameType(), "err", err)
		return items
	}
	return append(items, deliverItem{Seq: seq, Frame: b, Origin: from})
}

// fanOut sends each subscriber one deliver with every item of the batch:
// one mailbox message per connection per batch, frames encoded once.
func (c *chatActor) fanOut(ctx actor.Context, items []deliverItem) {
	if len(items) == 0 {
		return
	}
	d := deliver{ChatID: c.id, Items: items}
	for id, s := range c.subs {
		c.deliverTo(ctx, id, s, d)
	}
}

func (c *chatActor) onCreated(ctx actor.Context, m chatCreate, ev events.ChatCreated) {
	c.startIdleTimer(ctx)
	c.node.dir.Add(ev.ChatID, ev.Members)
	ctx.Send(m.Conn, replyFrame{Frame: AckCreateChat{Ref: m.Ref, ChatID: ev.ChatID}})
	frame, err := c.node.enc.Encode(ChatCreatedFrame{ChatID: ev.ChatID, Title: ev.Title, Members: ev.Members, CreatedBy: ev.CreatedBy})
	if err != nil {
		return
	}
	for _, u := range ev.Members {
		c.node.sendUser(u, userJoined{ChatID: ev.ChatID, Frame: frame})
	}
}

// answerRead answers a read request: an ack frame, or for a bulk item its
// slot; err set means refused.
func (c *chatActor) answerRead(ctx actor.Context, r chatRead, last uint64, err *Error) {
	if r.Bulk != nil {
		res := BulkResult{ChatID: c.id}
		if err != nil {
			res.Error = &ErrorFrame{Code: err.Code, Message: err.Message}
		} else {
			res.LastReadSeq = &last
		}
		ctx.Send(r.Conn, bulkPart{Slot: *r.Bulk, Result: res})
		return
	}
	if err != nil {
		c.replyErr(ctx, r.origin, commandOfRead(r), err)
		return
	}
	ctx.Send(r.Conn, replyFrame{Frame: AckRead{Ref: r.Ref, ChatID: c.id, LastReadSeq: last}})
}

func commandOfRead(r chatRead) string {
	if r.ToLatest {
		return "mark_chat_read"
	}
	return "read_receipt"
}

func ackOf(ref string, ev events.MessagePosted) AckSendMessage {
	return AckSendMessage{Ref: ref, ChatID: ev.ChatID, ClientMsgID: ev.ClientMsgID, MessageID: ev.MessageID, Seq: ev.Seq, SentAt: ev.SentAt}
}

func messageFrameOf(m events.MessagePosted) MessageFrame {
	return MessageFrame{ChatID: m.ChatID, Seq: m.Seq, MessageID: m.MessageID, Sender: m.Sender,
		Body: m.Body, SentAt: m.SentAt, ClientMsgID: m.ClientMsgID}
}
