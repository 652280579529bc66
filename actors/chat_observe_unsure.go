package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// An append whose outcome the chat does not know (the writer's timeout
// fired, the connection to the store broke, the acknowledgement was lost)
// may have been stored, or may still be (a store busy with it commits it
// after the writer gave up). Its batch is kept as unsure and the chat
// catches up from the log (chat_observe.go), as after a conflict, deciding
// nothing meanwhile:
//
//   - the log holds the batch (its first event's id at the revision it
//     was decided for): the batch is committed as if the append had
//     answered; the acks and the live deliveries go out as usual;
//   - the log holds another appender's event there: the batch can never be
//     stored (every append names its expected revision); its commands are
//     decided again, as after a conflict;
//   - the log ends before it: it is not stored yet. Its commands are
//     answered `unavailable` (the client resends with the same
//     client_msg_id), and its event ids are remembered (unacked): if it
//     lands later, the follower or the next catch-up hands its events to
//     the chat, which delivers them to every subscriber, its senders'
//     connections included, since no ack stands for them there.

// maxUnacked bounds the event ids a chat remembers of batches answered
// `unavailable` that may still land; past it the oldest are forgotten
// (such an item, landing later still, reaches every member but its
// sender's connection, which resends it and gets the original ack).
const maxUnacked = 4096

// unsureBatch is the chat's batch whose append had an unknown outcome,
// while the chat reads the log to settle it.
type unsureBatch struct {
	ops      []*op
	ready    chat.Ready
	ids      []string // its events' ids, in order
	revision uint64   // the revision its first event has if it landed
}

// unackedIDs are the ids of events of batches answered `unavailable` that
// may still land, oldest first.
type unackedIDs struct {
	set   map[string]struct{}
	order []string
}

func (u *unackedIDs) add(ids []string) {
	if u.set == nil {
		u.set = map[string]struct{}{}
	}
	for _, id := range ids {
		if len(u.order) >= maxUnacked {
			delete(u.set, u.order[0])
			u.order = u.order[1:]
		}
		u.set[id] = struct{}{}
		u.order = append(u.order, id)
	}
}

// take reports whether id is remembered, and forgets it.
func (u *unackedIDs) take(id string) bool {
	if _, ok := u.set[id]; !ok {
		return false
	}
	delete(u.set, id)
	if len(u.set) == 0 {
		u.set, u.order = nil, nil
	}
	return true
}

// onAppendUnknown keeps the batch in flight as unsure and reads the log
// to learn what became of it.
func (c *chatActor) onAppendUnknown(ctx actor.Context, err error) {
	c.node.log.Warn("chat append outcome unknown; reading the log", "chat", c.id, "err", err)
	c.unsure = &unsureBatch{ops: c.flight, ready: c.ready, ids: c.flightIDs, revision: c.nextRevision()}
	c.flight, c.ready, c.flightIDs = nil, chat.Ready{}, nil
	c.catchUp(ctx)
}

// settleFromLog settles the unsure batch by rec, the event of the log at
// the batch's revision, before rec is applied. It reports whether rec
// starts the batch, which is then committed here (its commands answered,
// its items delivered, as for an append that answered), so applyLog skips
// the batch's events. Another appender's event there settles it as lost:
// its commands are decided again after the catch-up.
func (c *chatActor) settleFromLog(ctx actor.Context, rec events.RecordedEvent) bool {
	u := c.unsure
	c.unsure = nil
	c.flight, c.ready = u.ops, u.ready
	if rec.ID != u.ids[0] {
		c.redecide(ctx)
		return false
	}
	if m := membership(u.ready.Events); len(m) > 0 {
		ctx.Send(c.node.dirOwner, dirSettled{Events: m})
	}
	c.commit(ctx, events.AppendResult{NextExpectedRevision: u.revision + uint64(len(u.ids)) - 1})
	return true
}

// answerUnsure answers the waiting commands of an unsure batch the log
// does not hold (yet): those whose events it carried `unavailable`, the
// others go back to the queue. Its event ids are remembered, for a late
// landing.
func (c *chatActor) answerUnsure(ctx actor.Context) {
	u := c.unsure
	if u == nil {
		return
	}
	c.unsure = nil
	c.unacked.add(u.ids)
	c.flight, c.ready = u.ops, u.ready
	c.failFlight(ctx, ErrStoreUnavailable, nil)
}

// unackedOrigin returns from, or nil when rec is an event of a batch
// answered `unavailable`: its sender's connection has no ack standing for
// the item, so it gets it as a frame.
func (c *chatActor) unackedOrigin(rec events.RecordedEvent, from *actor.PID) *actor.PID {
	if c.unacked.take(rec.ID) {
		return nil
	}
	return from
}
