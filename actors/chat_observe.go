package actors

import (
	"context"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// A chat's stream may have more than one appender: several nodes share one
// log (PostgreSQL), each with its own activation of a chat its clients
// use, or an activation the cluster has not stopped yet. The log decides
// the order (every append names the expected revision, chat_pipeline.go);
// a chat actor learns what others appended in two ways, both applying the
// log's events in revision order through chat.State.Apply and delivering
// them to the chat's subscribers on this node with the usual fan-out
// (credits, slow-consumer rule):
//
//   - observed: the node's log follower (follow.go) hands it every event
//     of its stream; the next revision is applied, one it has (its own
//     appends, already applied when they became durable) is ignored, and a
//     gap is read from the store;
//   - catch-up: after an append lost to another appender, and on a gap,
//     it reads its stream from the revision after its own, in pages.
//
// While an append or a catch-up is in flight, observed events wait (at
// most maxObservedPending; past it they are dropped and read back from the
// store), so the state only ever moves by whole durable batches, in order.

const (
	// maxObservedPending bounds the observed events a chat holds while an
	// append or a catch-up is in flight; past it they are dropped and the
	// chat reads its stream instead.
	maxObservedPending = 4096
	// catchUpPage is how many events one catch-up read returns.
	catchUpPage = 512
	// catchUpRetry is how long a chat waits to read its stream again after
	// a catch-up read failed.
	catchUpRetry = time.Second
)

// nextRevision is the stream revision the chat has not applied yet.
func (c *chatActor) nextRevision() uint64 {
	if !c.state.Created {
		return 0
	}
	return c.state.Revision + 1
}

// onCatchUpRetry reads the stream again after a failed catch-up.
func (c *chatActor) onCatchUpRetry(ctx actor.Context) {
	c.catching = false
	c.catchUp(ctx)
}

func (c *chatActor) onObserved(ctx actor.Context, m chatObserved) {
	if !c.loaded || c.catching || len(c.flights) > 0 {
		c.holdObserved(m.Rec)
		return
	}
	c.observe(ctx, m.Rec)
}

func (c *chatActor) holdObserved(rec events.RecordedEvent) {
	if c.overflow || c.appliedOwn(rec) {
		return
	}
	if len(c.observed) >= maxObservedPending {
		c.observed, c.overflow = nil, true
		return
	}
	c.observed = append(c.observed, rec)
}

// appliedOwn reports whether rec is an event the chat applied after its
// load (its own append, which the follower hands back): observing it does
// nothing (loadedMembership), so it is not held (pruneObserved's rule). A
// chat with appends in flight holds every event the follower hands it, one
// per message it stores.
func (c *chatActor) appliedOwn(rec events.RecordedEvent) bool {
	return c.loaded && rec.Revision >= c.loadedNext && rec.Revision < c.nextRevision()
}

// observe applies rec if it is the next revision, ignores it if the chat
// has it, and reads the gap otherwise.
func (c *chatActor) observe(ctx actor.Context, rec events.RecordedEvent) {
	next := c.nextRevision()
	switch {
	case rec.Revision < next:
		c.loadedMembership(ctx, rec)
	case rec.Revision == next:
		c.applyLog(ctx, []events.RecordedEvent{rec})
	default:
		c.node.fm.gaps.Inc()
		c.catchUp(ctx)
	}
}

// drainObserved applies the observed events held while the chat was busy,
// stopping at a gap (which starts a catch-up; the rest stay held). Called
// by flush when nothing is in flight.
func (c *chatActor) drainObserved(ctx actor.Context) {
	if c.overflow {
		c.overflow = false
		c.catchUp(ctx)
		return
	}
	for len(c.observed) > 0 && !c.catching {
		rec := c.observed[0]
		c.observed = c.observed[1:]
		c.observe(ctx, rec)
	}
	if len(c.observed) == 0 {
		c.observed = nil
	}
}

// catchUp reads the chat's stream after the revision it has, on a loader
// goroutine, within the writer's append timeout; the chat decides nothing
// new until the read is applied.
func (c *chatActor) catchUp(ctx actor.Context) {
	if c.catching {
		return
	}
	c.catching = true
	c.readStart = time.Now()
	c.node.fm.catchUps.Inc()
	self, n, id, from := ctx.Self(), c.node, c.id, c.nextRevision()
	ok := n.loads.run(func() {
		// Bounded as an append is: a stalled store must not hold the chat
		// (and the commands it queues) longer than it holds a writer.
		rctx, cancel := context.WithTimeout(n.ctx, n.writer.timeout)
		defer cancel()
		recs, more, err := readStreamFrom(rctx, n.store, id, from)
		n.system.Root.Send(self, chatCaughtUp{Recs: recs, More: more, Err: err})
	})
	if !ok {
		ctx.Send(self, chatCaughtUp{Err: errLoadsFull})
	}
}

// readStreamFrom reads at most catchUpPage events of a chat's stream from
// revision from on; more is set when the page is full.
func readStreamFrom(ctx context.Context, store events.Store, chatID string, from uint64) (recs []events.RecordedEvent, more bool, err error) {
	opts := events.ReadStreamOptions{From: from, Limit: catchUpPage}
	for rec, err := range store.ReadStream(ctx, events.ChatStream(chatID), opts) {
		if err != nil {
			if isNotFound(err) {
				break
			}
			return nil, false, err
		}
		recs = append(recs, rec)
	}
	return recs, len(recs) == catchUpPage, nil
}

// onCaughtUp applies a catch-up page, reads the next one if the page was
// full, and then carries on: held events, then the queue. A failed read
// answers the commands waiting `unavailable` (they cannot be decided
// against a state known to be old) and is tried again after catchUpRetry.
func (c *chatActor) onCaughtUp(ctx actor.Context, m chatCaughtUp) {
	c.catching = false
	if m.Err != nil {
		c.node.log.Warn("chat catch-up failed", "chat", c.id, "err", m.Err)
		c.answerUnsure(ctx)
		for _, o := range c.queue {
			c.refuse(ctx, o.msg, ErrStoreUnavailable)
		}
		c.queue = nil
		c.failWaiting(ctx)
		c.catching = true // until the retry: flush decides nothing meanwhile
		self, sys := ctx.Self(), c.node.system
		time.AfterFunc(catchUpRetry, func() { sys.Root.Send(self, chatCatchUpRetry{}) })
		return
	}
	c.applyLog(ctx, m.Recs)
	if m.More {
		c.catchUp(ctx)
		return
	}
	c.readAt = c.readStart // the last page was not full: the stream ended there when it began
	c.answerUnsure(ctx)    // the log does not hold it (yet)
	c.answerWaiting(ctx)
	c.flush(ctx)
}

// applyLog applies events of the chat's stream stored by another appender
// (each must be the next revision; others are skipped) and delivers them
// to this node's subscribers. The chat's own batch of unknown outcome,
// found here, is committed as its append would have been
// (chat_observe_unsure.go).
func (c *chatActor) applyLog(ctx actor.Context, recs []events.RecordedEvent) {
	var items []deliverItem
	for _, rec := range recs {
		if rec.Revision != c.nextRevision() {
			continue
		}
		if len(c.unsure) > 0 && rec.Revision == c.unsure[0].rev {
			c.fanOut(ctx, items) // what came before it goes out first
			items = nil
			if c.settleFromLog(ctx, rec) {
				continue
			}
		}
		c.node.fm.applied.Inc()
		c.dropTwin() // the state moves by an event the twin does not get
		if !events.Known(rec.Type) {
			c.state.Revision = rec.Revision // a newer node's type: skipped, as on load
			continue
		}
		ev, err := events.Decode(rec)
		if err != nil {
			c.node.log.Error("chat: corrupt event in the log", "chat", c.id, "revision", rec.Revision, "err", err)
			c.state.Revision = rec.Revision
			continue
		}
		c.state.Apply(ev, rec.Revision)
		c.marks.stored(c.state.LatestSeq, rec.Position) // chat_marks.go
		if it, ok := chat.ItemOf(ev); ok {
			c.recent.add(it)
		}
		items = c.observedDelivery(ctx, items, ev, c.unackedOrigin(rec, c.originConn(rec)))
	}
	c.fanOut(ctx, items)
}

// observedDelivery adds what an event of another appender shows this
// node's subscribers to items, as the appending node's own commit would:
// the timeline item, a read or delivered pointer; membership changes go
// to the node's directory first, then to the users online here. from is
// the connection here whose command the event carries out, if any.
func (c *chatActor) observedDelivery(ctx actor.Context, items []deliverItem, ev events.Event, from *actor.PID) []deliverItem {
	c.membershipFromLog(ctx, ev)
	switch e := ev.(type) {
	case events.ChatCreated:
		c.startIdleTimer(ctx)
	case events.ChatRead:
		items = c.appendItem(items, protocol.ReadFrame{ChatID: c.id, User: e.User, LastReadSeq: c.state.Read[e.User]}, 0, nil)
	case events.MessagesDelivered:
		items = c.appendItem(items, protocol.DeliveredFrame{ChatID: c.id, User: e.User, DeliveredSeq: e.DeliveredSeq}, 0, nil)
	}
	if it, ok := chat.ItemOf(ev); ok {
		items = c.deliverItem(ctx, items, it, from)
	}
	return items
}

// originConn is the connection on this node whose command another node
// appended: a command routed to the chat's owner (router_conn.go) keeps
// the connection's correlation id, its connection id and the command's
// ordinal (connActor.corr). The connection then takes the item as its own,
// as for a local append: its ack carries the seq, so no message frame
// (else the follower here, often faster than the routed ack, sends the
// sender its own message).
func (c *chatActor) originConn(rec events.RecordedEvent) *actor.PID {
	corr := rec.Metadata.CorrelationID
	i := strings.LastIndexByte(corr, ':')
	if i <= 0 || rec.Metadata.Node == c.node.name {
		return nil
	}
	pid, _ := c.node.conns.get(corr[:i])
	return pid
}

// membershipFromLog hands a membership change another appender stored to
// the directory's owner (idempotent: the follower may have done it); once
// it is published the owner hands it back (chatDirApplied) and the chat
// tells the users it concerns who are online here (onDirApplied), so they
// find it in the directory.
func (c *chatActor) membershipFromLog(ctx actor.Context, ev events.Event) {
	if isMembershipEvent(ev) {
		ctx.Send(c.node.dirOwner, dirObserved{Event: ev, Chat: ctx.Self()})
	}
}

// onDirApplied tells the users online here of a membership change of the
// chat now in the directory.
func (c *chatActor) onDirApplied(m chatDirApplied) {
	switch e := m.Event.(type) {
	case events.ChatCreated:
		c.welcomeOnline(e.Members, 0)
	case events.MembersAdded:
		c.welcomeOnline(e.Users, e.Seq)
	case events.MemberRemoved:
		c.node.sendUserIfOnline(e.User, userLeft{ChatID: c.id})
	}
}

func isMembershipEvent(ev events.Event) bool {
	switch ev.(type) {
	case events.ChatCreated, events.MembersAdded, events.MemberRemoved:
		return true
	}
	return false
}

// loadedMembership handles an observed membership change of another node
// that the chat has already, from its load: the follower found the chat in
// memory, so it left the users to the chat, which applied the change
// without telling them.
func (c *chatActor) loadedMembership(ctx actor.Context, rec events.RecordedEvent) {
	if rec.Revision >= c.loadedNext || rec.Metadata.Node == c.node.name || !isMembershipType(rec.Type) {
		return
	}
	if ev, err := events.Decode(rec); err == nil {
		c.membershipFromLog(ctx, ev)
	}
}

// welcomeOnline tells the users online on this node, of users, that they
// are in the chat (from seq from: 0 for its creation): their user actors
// subscribe their connections, welcomed with chat_created and the items
// since. Users offline here cost nothing; they find the chat in the
// directory when they connect.
func (c *chatActor) welcomeOnline(users []string, from uint64) {
	if !c.state.Created {
		return
	}
	s := c.state
	frame, err := c.node.enc.Encode(protocol.ChatCreatedFrame{ChatID: c.id, Title: s.Title, Members: orEmpty(s.Members), CreatedBy: s.CreatedBy})
	if err != nil {
		return
	}
	for _, u := range users {
		if s.IsMember(u) {
			c.node.sendUserIfOnline(u, userJoined{ChatID: c.id, Frame: frame, From: from})
		}
	}
}
