package actors

import "github.com/asynkron/protoactor-go/actor"

// maxSyncBuffer bounds the live frames a connection holds for a chat while
// that chat's sync answer is on its way; past it the chat is marked behind.
const maxSyncBuffer = 4096

// syncBuf holds live items of a chat that arrive while its sync is pending,
// so the client still sees the chat's messages in seq order.
type syncBuf struct {
	items    []deliverItem
	overflow bool
}

// deliver writes fan-out frames, skipping the connection's own messages
// (it got an ack), holding them back while the chat syncs, and dropping
// message frames of a chat the client is behind in (it must sync again).
func (c *connActor) deliver(ctx actor.Context, d deliver) {
	c.backlog.Add(-int64(len(d.Items)))
	buf := c.syncing[d.ChatID]
	out := make([][]byte, 0, len(d.Items))
	for _, it := range d.Items {
		switch {
		case it.Origin != nil && it.Origin.Id == ctx.Self().Id && it.Seq > 0:
		case buf != nil:
			buf.hold(it)
		case it.Seq > 0 && c.behind[d.ChatID]:
			c.node.m.droppedLive.Inc()
		case it.CatchUp && it.Seq <= c.delivered[d.ChatID]:
		default:
			out = append(out, it.Frame)
			c.noteDelivered(d.ChatID, it.Seq)
		}
	}
	c.sendFrames(ctx, out)
}

// overflowed: a chat dropped this connection for exceeding its delivery
// backlog; the client must reconnect and sync (see maxDeliverBacklog).
func (c *connActor) overflowed(ctx actor.Context) {
	if c.closed {
		return
	}
	c.node.m.backlogDrops.Inc()
	c.forceReconnect(ctx, "", ReasonSlowConsumer, 1000)
}

func (c *connActor) noteDelivered(chatID string, seq uint64) {
	if seq == 0 || seq <= c.delivered[chatID] {
		return
	}
	if c.delivered == nil {
		c.delivered = map[string]uint64{}
	}
	c.delivered[chatID] = seq
}

func (b *syncBuf) hold(it deliverItem) {
	if len(b.items) >= maxSyncBuffer {
		b.overflow = true
		return
	}
	b.items = append(b.items, it)
}

// endSync writes a chat's sync answer, then the live frames held meanwhile
// that are newer than it.
func (c *connActor) endSync(ctx actor.Context, p syncPart) {
	buf := c.syncing[p.ChatID]
	delete(c.syncing, p.ChatID)
	last := uint64(0)
	frames := make([][]byte, 0, len(p.Messages))
	for _, m := range p.Messages {
		b, err := c.node.enc.Encode(timelineFrame(m))
		if err != nil {
			c.node.log.Error("encode frame", "type", "message", "err", err)
			continue
		}
		frames = append(frames, b)
		last = m.Seq
		c.noteDelivered(p.ChatID, m.Seq)
	}
	c.sendFrames(ctx, frames) // one queue operation for the whole answer
	behind := p.Info.Truncated || (buf != nil && buf.overflow)
	c.setBehind(p.ChatID, behind)
	if buf == nil || behind {
		return
	}
	for _, it := range buf.items {
		if it.Seq == 0 || it.Seq > last {
			c.deliverHeld(ctx, p.ChatID, it)
		}
	}
}

func (c *connActor) deliverHeld(ctx actor.Context, chatID string, it deliverItem) {
	if it.Origin != nil && it.Origin.Id == ctx.Self().Id && it.Seq > 0 {
		return
	}
	c.sendRaw(ctx, it.Frame)
	c.noteDelivered(chatID, it.Seq)
}

func (c *connActor) setBehind(chatID string, behind bool) {
	if behind {
		if c.behind == nil {
			c.behind = map[string]bool{}
		}
		c.behind[chatID] = true
	} else {
		delete(c.behind, chatID)
	}
}
