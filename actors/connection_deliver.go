package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/protocol"
)

// maxSyncBuffer bounds the live frames a connection holds for a chat while
// that chat's sync answer is on its way; past it the chat is marked behind.
const maxSyncBuffer = 4096

// maxHeld bounds the live items a new connection holds before its first
// frame (see holdMode): half of Limits.SyncMessages, which is itself at
// most half the outbound queue, as the held items are queued at once right
// after a sync answer.
func (c *connActor) maxHeld() int { return max(1, c.node.cfg.Limits.SyncMessages/2) }

// holdMode says whether a connection holds live items back (PROTOCOL.md
// section 4, "Live and sync on one connection").
type holdMode uint8

const (
	// holdOff: live items go out as they come.
	holdOff holdMode = iota
	// holdFirst: a new connection holds live items until its first frame
	// is read or Config.SyncWait passes. Past maxHeld items they are
	// released at once (order is then as a later sync's).
	holdFirst
	// holdSync: the first frame was a sync_request; its answer goes first,
	// then the held items it did not carry. Items past maxHeld are dropped
	// and their chats reported truncated in sync_complete.
	holdSync
)

// heldItem is a live item of chat held back.
type heldItem struct {
	chat string
	it   deliverItem
}

// connHold is what a new connection needs until its hold ends: its
// opening (until start), the items held back, the positions of its first sync, the chats whose items were
// dropped past maxHeld, and the SyncWait timer. Made with the connection
// actor and dropped when the hold ends: an idle connection keeps none.
type connHold struct {
	// opening is the whole ConnInfo, and the log position the node's
	// follower had read when it was accepted, until start has used them.
	opening *connOpening
	items   []heldItem
	floor   map[string]uint64
	lost    []string
	tmr     *time.Timer
}

// syncWaitOver is sent to a connection when Config.SyncWait has passed
// since it opened.
type syncWaitOver struct{}

// syncBuf holds live items of a chat that arrive while its sync is pending,
// so the client still sees the chat's messages in seq order.
type syncBuf struct {
	items    []deliverItem
	overflow bool
}

// armSyncWait starts the hold of a new connection.
func (c *connActor) armSyncWait(ctx actor.Context) {
	c.hold = holdFirst
	self, sys := ctx.Self(), c.node.system
	c.held.tmr = time.AfterFunc(c.node.cfg.SyncWait, func() { sys.Root.Send(self, syncWaitOver{}) })
}

// firstFrame ends or narrows the hold when the connection's first frame is
// read: a sync_request keeps holding until its sync_complete; anything else
// releases the held items.
func (c *connActor) firstFrame(ctx actor.Context, cmd protocol.Command) {
	if c.hold != holdFirst {
		return
	}
	c.held.tmr.Stop()
	c.held.tmr = nil // idle connections keep no timer
	s, ok := cmd.(protocol.SyncRequest)
	if !ok {
		c.releaseHeld(ctx)
		return
	}
	c.hold, c.held.floor = holdSync, s.Positions
}

// deliver writes fan-out frames, skipping the connection's own messages
// (it got an ack), holding them back while the chat syncs or the connection
// is new, dropping message frames of a chat the client is behind in (it
// must sync again), and never sending a seq twice.
func (c *connActor) deliver(ctx actor.Context, d deliver) {
	if n := c.received().acks.handled(d.ChatID, len(d.Items)); n > 0 {
		c.node.chats.sendIfPresent(d.ChatID, deliverAck{Conn: ctx.Self(), Items: n}, ctx.Send)
	}
	if c.hold != holdOff {
		c.holdItems(ctx, d)
		return
	}
	buf := c.syncBuf(d.ChatID)
	seen, behind := c.seenSet(d.ChatID), c.isBehind(d.ChatID) // once per batch, not per item
	if buf == nil && d.Frames != nil {
		c.deliverRun(ctx, d, seen, behind)
		return
	}
	// One item (most): append makes out, unless it is the connection's own.
	var out [][]byte
	if len(d.Items) > 1 {
		out = make([][]byte, 0, len(d.Items))
	}
	for _, it := range d.Items {
		if buf != nil && !c.ownIn(ctx, d.ChatID, seen, it) {
			buf.hold(it)
			continue
		}
		out = c.emitTo(ctx, d.ChatID, seen, behind, it, out)
	}
	c.sendDeliveries(ctx, out)
}

// deliverRun is deliver with the batch's shared frames at hand and no sync
// pending: the items the connection gets, when they are one contiguous run
// (every item, or all but its own first or last), go out as a slice of
// d.Frames, with no list made; otherwise they are gathered into one.
func (c *connActor) deliverRun(ctx actor.Context, d deliver, seen *seqSet, behind bool) {
	from, to := -1, -1 // the run d.Frames[from:to] emitted so far
	var out [][]byte   // made once the emitted items stop being one run
	for i, it := range d.Items {
		if !c.emits(ctx, d.ChatID, seen, behind, it) {
			continue
		}
		switch {
		case out != nil:
			out = append(out, it.Frame)
		case from < 0:
			from, to = i, i+1
		case to == i:
			to++
		default:
			out = append(make([][]byte, 0, len(d.Items)), d.Frames[from:to]...)
			out = append(out, it.Frame)
		}
	}
	switch {
	case out != nil:
		c.sendDeliveries(ctx, out)
	case from >= 0:
		c.sendDeliveries(ctx, d.Frames[from:to:to])
	}
}

// ackedPost sends a post's ack and notes its seq as answered, as a routed
// answer does: the client has the message, so its item is the
// connection's own however it comes, also as a catch-up item of a welcome
// that reached the chat after the post (the subscription comes from the
// user's actor, the post from the connection).
func (c *connActor) ackedPost(ctx actor.Context, ack *protocol.AckSendMessage) {
	c.answered(ack.ChatID, ack.Seq)
	c.send(ctx, ack)
}

// answered notes seq (0: none), carried by an ack of the connection's
// own command, as its own until its item comes (seqSet.answered),
// counting a seq forgotten past the bound.
func (c *connActor) answered(chatID string, seq uint64) {
	if seq > 0 && !c.seenSet(chatID).answered(seq) {
		c.node.m.ownForgotten.Inc()
	}
}

// own reports (and notes as received) a message of this connection's own:
// its ack carried the seq, or will.
func (c *connActor) own(ctx actor.Context, chatID string, it deliverItem) bool {
	return it.Seq > 0 && c.ownIn(ctx, chatID, c.seenSet(chatID), it)
}

// ownIn is own with the chat's seen set at hand. A live item names the
// connection whose command stored it (Origin); a catch-up item the user
// stored names the command (Sent), and it is this connection's own while
// its routed command waits for the answer; once an ack (local or routed)
// carried the seq, it is in seen's ahead list until its item comes.
func (c *connActor) ownIn(ctx actor.Context, chatID string, seen *seqSet, it deliverItem) bool {
	switch {
	case it.Seq == 0:
		return false
	case it.Origin != nil && it.Origin.Id == ctx.Self().Id:
	case it.Sent.Command != "" && c.routing(chatID, it.Sent):
	case seen.isAhead(it.Seq): // its ack came first
	default:
		return false
	}
	seen.add(it.Seq)
	return true
}

// emit appends a live item's frame to out unless the connection must not
// get it: its own message, a chat it is behind in, a seq it already has.
func (c *connActor) emit(ctx actor.Context, chatID string, it deliverItem, out [][]byte) [][]byte {
	return c.emitTo(ctx, chatID, c.seenSet(chatID), c.isBehind(chatID), it, out)
}

// emitTo is emit with the chat's seen set and behind flag at hand.
func (c *connActor) emitTo(ctx actor.Context, chatID string, seen *seqSet, behind bool, it deliverItem, out [][]byte) [][]byte {
	if c.emits(ctx, chatID, seen, behind, it) {
		out = append(out, it.Frame)
	}
	return out
}

// emits reports whether a live item goes out to the connection (and notes
// its seq as received): not its own message, not in a chat it is behind
// in, not a seq it already has.
func (c *connActor) emits(ctx actor.Context, chatID string, seen *seqSet, behind bool, it deliverItem) bool {
	switch {
	case c.ownIn(ctx, chatID, seen, it):
	case it.Seq > 0 && behind:
		c.node.m.droppedLive.Inc()
	case it.Seq > 0 && seen.has(it.Seq):
		c.node.m.repeatsSkipped.Inc()
	default:
		if it.Seq > 0 {
			seen.add(it.Seq)
		}
		return true
	}
	return false
}

func (c *connActor) holdItems(ctx actor.Context, d deliver) {
	for i, it := range d.Items {
		if len(c.held.items) < c.maxHeld() {
			c.held.items = append(c.held.items, heldItem{chat: d.ChatID, it: it})
			continue
		}
		if c.hold == holdFirst {
			c.releaseHeld(ctx)
			c.deliver(ctx, deliver{ChatID: d.ChatID, Items: d.Items[i:]})
			return
		}
		if it.Seq > 0 {
			c.held.lost = append(c.held.lost, d.ChatID)
		}
	}
}

// releaseHeld ends the hold: the held items go out in order, less those
// the client has (a sync answer carried them, or the first sync's position
// covers them).
func (c *connActor) releaseHeld(ctx actor.Context) {
	var held []heldItem
	var floor map[string]uint64
	if c.held != nil {
		held, floor = c.held.items, c.held.floor
	}
	c.held, c.hold = nil, holdOff
	out := make([][]byte, 0, len(held))
	for _, h := range held {
		if h.it.Seq > 0 && h.it.Seq <= floor[h.chat] {
			continue
		}
		if buf := c.syncBuf(h.chat); buf != nil && !c.own(ctx, h.chat, h.it) {
			buf.hold(h.it)
			continue
		}
		out = c.emit(ctx, h.chat, h.it, out)
	}
	c.sendDeliveries(ctx, out)
}

// endHoldSync runs when the first sync's answer is complete, before its
// sync_complete goes out: chats whose held items were dropped are reported
// truncated (and marked behind), so the client syncs them again.
func (c *connActor) endHoldSync(a *aggregate) {
	if c.held == nil {
		return
	}
	for _, ch := range c.held.lost {
		if info, ok := a.sync[ch]; ok {
			info.Truncated = true
			a.sync[ch] = info
		}
		c.setBehind(ch, true)
	}
}

// overflowed: a chat dropped this connection for exceeding its delivery
// backlog; the client must reconnect and sync (see maxDeliverBacklog).
func (c *connActor) overflowed(ctx actor.Context) {
	if c.closed {
		return
	}
	c.node.m.backlogDrops.Inc()
	c.forceReconnect(ctx, "", protocol.ReasonSlowConsumer, 1000)
}

// seenSet returns the set of chatID's seqs this connection has received.
func (c *connActor) seenSet(chatID string) *seqSet {
	r := c.received()
	if r.seen == nil {
		r.seen = map[string]*seqSet{}
	}
	s := r.seen[chatID]
	if s == nil {
		s = &seqSet{}
		r.seen[chatID] = s
	}
	return s
}

func (b *syncBuf) hold(it deliverItem) {
	if len(b.items) >= maxSyncBuffer {
		b.overflow = true
		return
	}
	b.items = append(b.items, it)
}

// endSync writes a chat's sync answer (less what the connection already
// has), then the live frames held for it meanwhile.
func (c *connActor) endSync(ctx actor.Context, p syncPart) {
	buf := c.syncBuf(p.ChatID)
	if buf != nil {
		delete(c.reqs.syncing, p.ChatID)
	}
	seen := c.seenSet(p.ChatID)
	frames := make([][]byte, 0, len(p.Messages))
	for _, m := range p.Messages {
		if seen.isAhead(m.Seq) {
			seen.add(m.Seq) // the client's own, acked: received
		}
		if seen.has(m.Seq) {
			c.node.m.repeatsSkipped.Inc()
			continue
		}
		b, err := c.node.enc.Encode(timelineFrame(m))
		if err != nil {
			c.node.log.Error("encode frame", "type", "message", "err", err)
			continue
		}
		frames = append(frames, b)
		seen.add(m.Seq)
	}
	c.sendFrames(ctx, frames) // one queue operation for the whole answer
	behind := p.Info.Truncated || (buf != nil && buf.overflow)
	c.setBehind(p.ChatID, behind)
	if buf == nil || behind {
		return
	}
	out := make([][]byte, 0, len(buf.items))
	for _, it := range buf.items {
		out = c.emit(ctx, p.ChatID, it, out)
	}
	c.sendFrames(ctx, out)
}

func (c *connActor) setBehind(chatID string, behind bool) {
	if behind {
		r := c.requests()
		if r.behind == nil {
			r.behind = map[string]bool{}
		}
		r.behind[chatID] = true
	} else if c.reqs != nil {
		delete(c.reqs.behind, chatID)
	}
}
