package actors

import "github.com/asynkron/protoactor-go/actor"

// maxDeliverBacklog bounds the fan-out items (messages, typing, receipts)
// chats have sent to one connection that it has not handled yet: they wait
// in its mailbox. A connection past it is one the node cannot deliver to as
// fast as its chats produce (its client reads too slowly, or the node is
// out of CPU): the chat stops sending to it and tells it to reconnect as a
// slow consumer (`force_reconnect` slow_consumer, counted in
// linkup_delivery_backlog_drops_total); the client catches up with
// sync_request. So no mailbox grows without bound under overload, and no
// ack or delivery waits behind an unbounded queue. The limit matches the
// default outbound queue: about as much as a client may have in flight.
const maxDeliverBacklog = 1024

// deliverOverflow tells a connection that a chat dropped it for exceeding
// maxDeliverBacklog.
type deliverOverflow struct{ ChatID string }

// deliverTo sends d to subscriber s (key id), counting its items in the
// connection's backlog, or drops the subscriber when d would take the
// backlog past maxDeliverBacklog.
// Subscribers without a backlog counter are never dropped.
func (c *chatActor) deliverTo(ctx actor.Context, id string, s subscriber, d deliver) {
	if s.backlog != nil {
		// A batch always goes to an empty backlog (a batch may be bigger
		// than the limit); otherwise it must fit.
		if b := s.backlog.Load(); b > 0 && b+int64(len(d.Items)) > maxDeliverBacklog {
			delete(c.subs, id)
			ctx.Send(s.pid, deliverOverflow{ChatID: c.id})
			return
		}
		s.backlog.Add(int64(len(d.Items)))
	}
	ctx.Send(s.pid, d)
}
