package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// commitAndNext handles the head flight, which the log answered as
// durable: the state advances and the replies that waited for it go out
// (commitState), then the next batch is decided and submitted (behind the
// flights still in flight, if any: chat_flights.go), and only then does
// the committed batch fan out, followed by what the next batch sends at
// once.
// So the next append is in flight while the fan-out (several ms for a
// 1,000-member chat) runs, instead of waiting for it.
//
// Every connection still sees a chat's frames in order: the committed
// batch's items go out before anything the next batch sends (its
// immediate replies are held, see heldSends; its acks and items come with
// its appendDone, a later message of this actor). When events the chat
// has not applied are held (another appender's, chat_observe.go), flush
// would apply and fan them out before the committed batch's items; the
// fan-out then goes first, as before.
func (c *chatActor) commitAndNext(ctx actor.Context, res events.AppendResult) {
	f := c.popFlight()
	c.unacked.passed(f.batch, c.node.writer.async != nil)
	ops, rd := c.commitState(ctx, f, res)
	if len(c.flights) > 0 {
		c.pruneObserved()
	}
	if !c.heldApplied() {
		c.deliver(ctx, ops, rd.Deliveries)
		c.flush(ctx)
		return
	}
	var h heldSends
	c.flushHeld(ctx, &h)
	c.deliver(ctx, ops, rd.Deliveries)
	h.run()
}

// commit advances the state by durable batch f, then sends the replies
// that waited for it and the deliveries, in seq order.
func (c *chatActor) commit(ctx actor.Context, f *flight, res events.AppendResult) {
	ops, rd := c.commitState(ctx, f, res)
	c.deliver(ctx, ops, rd.Deliveries)
}

// commitState advances the state by durable batch f and sends the replies
// that waited for it; it returns the batch, whose deliveries the caller
// sends.
func (c *chatActor) commitState(ctx actor.Context, f *flight, res events.AppendResult) ([]*op, chat.Ready) {
	ops, rd := f.ops, f.ready
	first, before := res.NextExpectedRevision+1-uint64(len(rd.Events)), c.state.Applied()
	c.state.Advance(rd, first)
	c.followTwin(f, first, before)                  // chat_twin.go
	c.marks.stored(c.state.LatestSeq, res.Position) // chat_marks.go
	c.node.m.timeline.committed(rd.Events)
	for _, e := range rd.Events {
		switch ev := e.Event.(type) {
		case events.ChatCreated: // already in the directory (membership)
			c.startIdleTimer(ctx)
		case events.MembersAdded, events.MemberRemoved:
			c.membersCommitted(ev)
		}
		if it, ok := chat.ItemOf(e.Event); ok {
			c.recent.add(it)
		}
	}
	for _, r := range rd.Replies {
		if r.Waits {
			c.answer(ctx, ops[r.Cmd], r)
		}
	}
	return ops, rd
}

// heldApplied reports whether flush would find no event to apply among
// the observed ones held: no overflow, and each held event one the chat
// has (its own appends, as the follower hands them back).
func (c *chatActor) heldApplied() bool {
	if c.overflow {
		return false
	}
	next := c.nextRevision()
	for _, rec := range c.observed {
		if rec.Revision >= next {
			return false
		}
	}
	return true
}

// heldSends collects what deciding a batch sends at once, to send it
// later, in order (run); a nil *heldSends sends at once.
type heldSends []func()

func (h *heldSends) do(send func()) {
	if h == nil {
		send()
		return
	}
	*h = append(*h, send)
}

func (h heldSends) run() {
	for _, send := range h {
		send()
	}
}

// answer sends a command's reply: its ack, or its refusal.
func (c *chatActor) answer(ctx actor.Context, o *op, r chat.Reply) {
	if r.Err != nil {
		c.refuse(ctx, o.msg, fromChat(r.Err))
		return
	}
	switch m := o.msg.(type) {
	case chatCreate:
		c.send(ctx, m.Conn, replyFrame{Frame: protocol.AckCreateChat{Ref: m.Ref, ChatID: r.Created.ChatID}})
	case chatPost:
		if r.Original != 0 {
			c.ackDuplicate(ctx, m, r.Original)
			return
		}
		ack := ackOf(m.Ref, r.Posted)
		c.send(ctx, m.Conn, ackPosted{Ack: &ack})
	case chatRead:
		c.answerRead(ctx, m, r.LastRead, nil)
	default:
		c.answerTimeline(ctx, o, r)
	}
}

// deliver sends the deliveries of a batch: the frames for subscribers
// gathered into one fan-out, typing to the other users' connections, and
// a new chat to each member.
func (c *chatActor) deliver(ctx actor.Context, ops []*op, ds []chat.Delivery) {
	var items []deliverItem
	for _, d := range ds {
		from := ops[d.Cmd].origin().sender()
		switch d.Kind {
		case chat.DeliverJoined:
			c.sendJoined(d.Created)
		case chat.DeliverItem:
			items = c.deliverItem(ctx, items, d.Item, from)
		case chat.DeliverRead:
			items = c.appendItem(items, protocol.ReadFrame{ChatID: c.id, User: d.User, LastReadSeq: d.LastRead}, 0, from)
		case chat.DeliverTyping:
			c.fanOutTyping(ctx, d, from)
		case chat.DeliverDelivered:
			items = c.appendItem(items, protocol.DeliveredFrame{ChatID: c.id, User: d.User, DeliveredSeq: d.LastRead}, 0, nil)
		}
	}
	c.fanOut(ctx, items)
}

// deliverItem adds a timeline item to the batch's fan-out. A membership
// change goes to every subscriber, the acting connection included; after
// a removal, the items gathered so far go out and the removed user's
// connections are dropped, so they get nothing of the chat after it.
func (c *chatActor) deliverItem(ctx actor.Context, items []deliverItem, it chat.Item, from *actor.PID) []deliverItem {
	if it.Kind != chat.KindMembersChanged {
		return c.appendItem(items, timelineFrame(it), it.Seq, from)
	}
	items = c.appendItem(items, timelineFrame(it), it.Seq, nil)
	if u := it.Removed(); u != "" {
		c.fanOut(ctx, items)
		c.unsubscribeUser(u)
		return nil
	}
	return items
}

func (c *chatActor) appendItem(items []deliverItem, f protocol.Frame, seq uint64, from *actor.PID) []deliverItem {
	b, err := c.node.enc.Encode(f)
	if err != nil {
		c.node.log.Error("encode frame", "type", f.FrameType(), "err", err)
		return items
	}
	return append(items, deliverItem{Seq: seq, Frame: b, Origin: from})
}

// fanOut sends each subscriber one deliver with every item of the batch:
// one mailbox message per connection per batch, frames encoded once. A
// chat of laneMinSubscribers or more hands the posting to its lane
// (fanout_lane.go), and so does any chat whose lane still has work.
func (c *chatActor) fanOut(ctx actor.Context, items []deliverItem) {
	c.fanOutTo(ctx, items, "")
}

// fanOutTyping sends a typing frame to the connections of the users other
// than the one typing.
func (c *chatActor) fanOutTyping(ctx actor.Context, d chat.Delivery, from *actor.PID) {
	item := c.appendItem(nil, protocol.TypingFrame{ChatID: c.id, User: d.User, IsTyping: d.IsTyping}, 0, from)
	c.fanOutTo(ctx, item, d.User)
}

// fanOutTo sends items to every subscriber except the connections of
// user skip (none when empty), within their delivery backlog.
func (c *chatActor) fanOutTo(ctx actor.Context, items []deliverItem, skip string) {
	if len(items) == 0 {
		return
	}
	if int64(len(c.subs)) < laneMinSubscribers.Load() && !c.lane.busy() {
		var msg any = deliver{ChatID: c.id, Items: items, Frames: framesOf(items)} // boxed once for every subscriber
		for id, s := range c.subs {
			if skip == "" || s.user != skip {
				c.deliverBoxed(ctx, id, s, len(items), msg)
			}
		}
		return
	}
	targets := make([]*actor.PID, 0, len(c.subs))
	for id, s := range c.subs {
		if (skip == "" || s.user != skip) && c.credit(ctx, id, s, len(items)) {
			targets = append(targets, s.pid)
		}
	}
	c.lane.fanOut(c.node.system, c.id, items, targets)
}

// framesOf is the frames of items, in order.
func framesOf(items []deliverItem) [][]byte {
	frames := make([][]byte, len(items))
	for i, it := range items {
		frames[i] = it.Frame
	}
	return frames
}

// sendJoined tells each member of a new chat about it.
func (c *chatActor) sendJoined(ev events.ChatCreated) {
	frame, err := c.node.enc.Encode(protocol.ChatCreatedFrame{ChatID: ev.ChatID, Title: ev.Title, Members: ev.Members, CreatedBy: ev.CreatedBy})
	if err != nil {
		return
	}
	for _, u := range ev.Members {
		c.node.sendUser(u, userJoined{ChatID: ev.ChatID, Frame: frame})
	}
}

// answerRead answers a read request: an ack frame, or for a bulk item its
// slot; err set means refused.
func (c *chatActor) answerRead(ctx actor.Context, r chatRead, last uint64, err *protocol.Error) {
	if r.Bulk != nil {
		res := protocol.BulkResult{ChatID: c.id}
		if err != nil {
			res.Error = &protocol.ErrorFrame{Code: err.Code, Message: err.Message}
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
	ctx.Send(r.Conn, replyFrame{Frame: protocol.AckRead{Ref: r.Ref, ChatID: c.id, LastReadSeq: last}})
}

func commandOfRead(r chatRead) string {
	if r.ToLatest {
		return "mark_chat_read"
	}
	return "read_receipt"
}

func ackOf(ref string, ev events.MessagePosted) protocol.AckSendMessage {
	return protocol.AckSendMessage{Ref: ref, ChatID: ev.ChatID, ClientMsgID: ev.ClientMsgID, MessageID: ev.MessageID, Seq: ev.Seq, SentAt: ev.SentAt}
}

func messageFrameOf(m events.MessagePosted) protocol.MessageFrame {
	return protocol.MessageFrame{ChatID: m.ChatID, Seq: m.Seq, MessageID: m.MessageID, Sender: m.Sender,
		Body: m.Body, SentAt: m.SentAt, ClientMsgID: m.ClientMsgID}
}
