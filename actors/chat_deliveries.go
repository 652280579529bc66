package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/protocol"
)

// deliveryEvery is how often a chat decides the delivery receipts it has
// acknowledged: each user's receipts of one period become at most one
// MessagesDelivered and one `delivered` frame, so a 1,000-member chat
// confirming every message does not write 1,000 events per message.
const deliveryEvery = time.Second

// pendingDelivery is the highest receipt of a user not decided yet, and
// the request that made it (its connection and correlation).
type pendingDelivery struct {
	seq  uint64
	conn string
	o    origin
}

// chatDeliveryFlush is sent to a chat by its delivery timer.
type chatDeliveryFlush struct{}

// chatDelivered is a coalesced receipt queued for deciding; it has no
// reply (the receipt was acknowledged when it came).
type chatDelivered struct{ origin }

// onDeliveryReceipt acknowledges a receipt at once with the user's
// delivered pointer as it will be, keeps the highest receipt per user,
// and has the timer decide them within deliveryEvery.
func (c *chatActor) onDeliveryReceipt(ctx actor.Context, m chatDeliveryReceipt) {
	p := c.delivs[m.User]
	seq, err := c.state.DeliveredAck(m.User, m.Seq, p.seq)
	if err != nil {
		c.replyErr(ctx, m.origin, "delivery_receipt", fromChat(err))
		c.retireIfEmpty(ctx)
		return
	}
	ctx.Send(m.Conn, replyFrame{Frame: protocol.AckDelivery{Ref: m.Ref, ChatID: c.id, DeliveredSeq: seq}})
	c.node.m.timeline.receipts.Inc()
	if seq <= max(p.seq, c.state.Delivered[m.User]) {
		return // nothing new: a repeat changes nothing
	}
	if c.delivs == nil {
		c.delivs = map[string]pendingDelivery{}
	}
	c.delivs[m.User] = pendingDelivery{seq: seq, conn: m.ConnID, o: m.origin}
	if c.delivTmr == nil {
		self, sys := ctx.Self(), c.node.system
		c.delivTmr = time.AfterFunc(deliveryEvery, func() { sys.Root.Send(self, chatDeliveryFlush{}) })
	}
}

// flushDeliveries queues one chat.Deliver per user with receipts and
// decides them as one batch.
func (c *chatActor) flushDeliveries(ctx actor.Context) {
	c.delivTmr = nil
	if c.retired {
		return
	}
	for user := range c.delivs {
		c.queueDelivery(user)
	}
	c.flush(ctx)
}

// queueDelivery moves user's acknowledged receipt, if any, from the
// pending set to the queue. A removal calls it first, so a receipt the
// client was told of is decided while the user is still a member (after
// the removal the chat would refuse it and the audit would lose it).
func (c *chatActor) queueDelivery(user string) {
	p, ok := c.delivs[user]
	if !ok {
		return
	}
	delete(c.delivs, user)
	c.queue = append(c.queue, &op{msg: chatDelivered{origin: p.o}, cmd: chat.Deliver{User: user, Conn: p.conn, Node: c.node.name, Seq: p.seq}})
}
