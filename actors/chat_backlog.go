package actors

import "github.com/asynkron/protoactor-go/actor"

// maxDeliverBacklog bounds the fan-out items (messages, typing, receipts)
// a chat has sent to one connection that the connection has not
// acknowledged yet: they wait in its mailbox. A connection past it is one
// the node cannot deliver to as fast as the chat produces (its client
// reads too slowly, or the node is out of CPU): the chat stops sending to
// it and tells it to reconnect as a slow consumer (`force_reconnect`
// slow_consumer, counted in linkup_delivery_backlog_drops_total); the
// client catches up with sync_request. So no mailbox grows without bound
// under overload, and no ack or delivery waits behind an unbounded queue.
// The limit matches the default outbound queue: about as much as a client
// may have in flight.
//
// The bound is kept by credits, with messages only (nothing shared, so it
// works the same when chat and connection are in different processes):
// the chat counts, per subscriber, the items it has sent and not had
// acknowledged (subscriber.inflight); the connection acknowledges what it
// has handled with a deliverAck every ackEvery items of a chat (acker).
// The chat's count is never below what really waits, and at most
// ackEvery-1 above it. The bound is per chat and connection, so one
// connection's mailbox holds at most maxDeliverBacklog items per chat it
// belongs to (users belong to a bounded number of chats).
const maxDeliverBacklog = 1024

// ackEvery is how many handled items of one source a connection
// acknowledges at once: few enough acks that they cost little next to the
// deliveries (one per ackEvery items), small next to maxDeliverBacklog.
const ackEvery = 64

// deliverOverflow tells a connection that a chat dropped it for exceeding
// maxDeliverBacklog.
type deliverOverflow struct{ ChatID string }

// deliverAck acknowledges, to the chat or user actor that sent them, Items
// fan-out items that connection Conn has handled.
type deliverAck struct {
	Conn  *actor.PID
	Items int
}

// deliverTo sends d to subscriber s (key id), counting its items as in
// flight, or drops the subscriber when d would take them past
// maxDeliverBacklog (credit).
func (c *chatActor) deliverTo(ctx actor.Context, id string, s subscriber, d deliver) {
	c.deliverBoxed(ctx, id, s, len(d.Items), d)
}

// deliverBoxed is deliverTo for a deliver of n items already boxed as
// msg: a fan-out boxes its deliver once for all its subscribers.
func (c *chatActor) deliverBoxed(ctx actor.Context, id string, s subscriber, n int, msg any) {
	if c.credit(ctx, id, s, n) {
		c.send(ctx, s.pid, msg)
	}
}

// credit counts n more items in flight to subscriber s (key id) and
// reports true, or drops the subscriber and reports false when they would
// take it past maxDeliverBacklog. A batch always goes to a backlog that
// may be empty (below one ack's worth: a batch may be bigger than the
// limit); otherwise it must fit.
func (c *chatActor) credit(ctx actor.Context, id string, s subscriber, n int) bool {
	if s.inflight >= ackEvery && s.inflight+n > maxDeliverBacklog {
		delete(c.subs, id)
		ctx.Send(s.pid, deliverOverflow{ChatID: c.id})
		return false
	}
	s.inflight += n
	c.subs[id] = s
	return true
}

// acked credits a subscriber with the items its connection handled. An
// ack from a connection no longer subscribed is ignored.
func (c *chatActor) acked(m deliverAck) {
	s, ok := c.subs[m.Conn.Id]
	if !ok {
		return
	}
	s.inflight = max(s.inflight-m.Items, 0)
	c.subs[m.Conn.Id] = s
}

// subscribe adds (or refreshes) a subscriber, keeping the items already
// in flight to it; it reports whether the connection was subscribed
// already. A new subscription's floor is the next seq.
func (c *chatActor) subscribe(conn *actor.PID, user string) (existed bool) {
	s, existed := c.subs[conn.Id]
	if !existed {
		s.floor = c.state.LatestSeq + 1
	}
	s.pid, s.user = conn, user
	c.subs[conn.Id] = s
	return existed
}

// unsubscribe drops a connection (gone from the node) from the fan-out,
// and from the welcomes waiting for a read.
func (c *chatActor) unsubscribe(conn *actor.PID) {
	delete(c.subs, conn.Id)
	delete(c.reading, conn.Id)
}

// acker counts, per source (a chat id, or "" for the user's presence),
// the items a connection has handled and not acknowledged yet.
type acker map[string]int

// handled records n more items of source handled and returns how many to
// acknowledge now (0: not yet).
func (a *acker) handled(source string, n int) int {
	if *a == nil {
		*a = acker{} // made when first written: most connections sit idle
	}
	(*a)[source] += n
	if (*a)[source] < ackEvery {
		return 0
	}
	n = (*a)[source]
	delete(*a, source)
	return n
}
