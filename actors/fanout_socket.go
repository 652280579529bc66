package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/protocol"
)

// BulkSocket is a Socket that tells a fan-out's frames from replies:
// SendBulk is SendMany (same queue, order and bound) for frames that may
// be written after other connections' replies, so a sender's ack is not
// written behind a large chat's fan-out to every other member.
// transport's socket implements it; a Socket without it gets SendMany.
// Like SendMany, SendBulk neither keeps nor changes the list.
type BulkSocket interface {
	SendBulk(frames [][]byte) error
}

// sendDeliveries queues a fan-out's frames (bulk when the socket can tell);
// a full queue makes the client a slow consumer.
func (c *connActor) sendDeliveries(ctx actor.Context, frames [][]byte) {
	b, ok := c.sock.(BulkSocket)
	if !ok {
		c.sendFrames(ctx, frames)
		return
	}
	if c.closed || len(frames) == 0 {
		return
	}
	c.queued(ctx, len(frames), b.SendBulk(frames))
}

// queued counts n frames the socket took (err nil), or makes the client
// a slow consumer when its queue was full.
func (c *connActor) queued(ctx actor.Context, n int, err error) {
	switch err {
	case nil:
		c.received().out += uint64(n)
		c.node.m.framesOut.Add(float64(n))
	case ErrQueueFull:
		c.node.m.slowConsumers.Inc()
		c.forceReconnect(ctx, "", protocol.ReasonSlowConsumer, 1000)
	}
}
