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
// catches up from the log (chat_observe.go), as after a conflict:
//
//   - the log holds the batch (its first event's id at the revision it
//     was decided for): the batch is committed as if the append had
//     answered, the acks and the live deliveries go out as usual;
//   - the log holds another appender's event there: the batch can never be
//     stored (every append names its expected revision), its commands are
//     decided again, as after a conflict;
//   - the log ends before it: it is not stored yet. Its commands are
//     answered `unavailable` (the client resends with the same
//     client_msg_id) and the batch stays unsure: if it lands later, the
//     follower or the next catch-up hands it to the chat, which delivers
//     it to every subscriber, its senders' connections included (they got
//     no ack for it).
//
// An unsure batch keeps its chat in memory until it is settled (or one
// idle period went by with its commands answered), so no stored item is
// left for a reload to swallow.
type unsureBatch struct {
	ops      []*op
	ready    chat.Ready
	first    string // id of the batch's first event
	revision uint64 // the revision the first event has if the batch landed
	answered bool   // its waiting commands were answered `unavailable`
}

// last is the revision of the batch's last event if it landed.
func (u *unsureBatch) last() uint64 { return u.revision + uint64(len(u.ready.Events)) - 1 }

// onAppendUnknown keeps the batch in flight as unsure and reads the log
// to learn what became of it.
func (c *chatActor) onAppendUnknown(ctx actor.Context, err error) {
	c.node.log.Warn("chat append outcome unknown; reading the log", "chat", c.id, "err", err)
	c.unsure = &unsureBatch{ops: c.flight, ready: c.ready, first: c.flightID, revision: c.nextRevision()}
	c.flight, c.ready = nil, chat.Ready{}
	c.catchUp(ctx)
}

// settleFromLog is called by applyLog for rec, the chat's next revision,
// before it is applied. It reports whether rec starts the unsure batch,
// committed here (its commands answered and its items delivered, as for an
// append that answered), in which case applyLog skips the batch's events.
// Another appender's event at the batch's revision settles it as lost:
// its commands are decided again.
func (c *chatActor) settleFromLog(ctx actor.Context, rec events.RecordedEvent) bool {
	u := c.unsure
	if u == nil || rec.Revision != u.revision || u.answered {
		return false
	}
	c.unsure = nil
	if rec.ID != u.first {
		c.flight, c.ready = u.ops, u.ready
		c.redecide(ctx)
		return false
	}
	c.node.dir.ApplyAll(membership(u.ready.Events))
	c.flight, c.ready = u.ops, u.ready
	c.commit(ctx, events.AppendResult{NextExpectedRevision: u.last()})
	return true
}

// unsureOrigin returns from, or nil when rec belongs to an unsure batch
// whose commands were answered `unavailable`: its senders' connections
// have no ack standing for the items, so they get them as frames.
func (c *chatActor) unsureOrigin(rec events.RecordedEvent, from *actor.PID) *actor.PID {
	u := c.unsure
	if u == nil || !u.answered || rec.Revision < u.revision || rec.Revision > u.last() {
		return from
	}
	if rec.Revision == u.revision && rec.ID != u.first {
		c.unsure = nil // another appender's: the batch can never land
		return from
	}
	if rec.Revision == u.last() {
		c.unsure = nil // delivered whole
	}
	return nil
}

// answerUnsure answers the waiting commands of an unsure batch the log
// does not hold yet: those whose events it carried `unavailable`, the
// others go back to the queue. The batch stays unsure for a late landing.
func (c *chatActor) answerUnsure(ctx actor.Context) {
	u := c.unsure
	if u == nil || u.answered {
		return
	}
	u.answered = true
	c.flight, c.ready = u.ops, u.ready
	c.failFlight(ctx, ErrStoreUnavailable)
}

// forgetUnsure drops an unsure batch that can no longer land: the chat's
// revision moved past the one it was decided for.
func (c *chatActor) forgetUnsure() {
	if c.unsure != nil && c.nextRevision() > c.unsure.revision && c.unsure.answered {
		c.unsure = nil
	}
}

// unsureSettled reports whether the chat may retire as far as an unsure
// batch goes: none is held, or its commands were answered and a whole
// idle period went by (the store did not land it: it is dropped now).
func (c *chatActor) unsureSettled() bool {
	u := c.unsure
	if u == nil {
		return true
	}
	if u.answered {
		c.unsure = nil
	}
	return false
}
