package actors

import (
	"github.com/asynkron/protoactor-go/actor"
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

// unackedIDs are the ids of events of batches answered `unavailable` that
// may still land, oldest first.
type unackedIDs struct {
	set   map[string]struct{}
	order []string
	// batch is the chat's last batch number when ids were last added: an
	// append the store answered for a later batch shows, over a store that
	// takes appends in order (asyncStore), that none of them can land any
	// more (passed).
	batch uint64
}

func (u *unackedIDs) add(data []events.EventData) {
	if u.set == nil {
		u.set = map[string]struct{}{}
	}
	for _, d := range data {
		id := d.ID
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

// onAppendUnknown keeps the batches from the one whose append failed on
// (fs, all answered: those behind it were decided on top of it) as
// unsure, in order, and reads the log to learn what became of them.
func (c *chatActor) onAppendUnknown(ctx actor.Context, fs []*flight, err error) {
	c.node.log.Warn("chat append outcome unknown; reading the log", "chat", c.id, "batches", len(fs), "err", err)
	c.unsure = fs
	c.catchUp(ctx)
}

// settleFromLog settles the first unsure batch by rec, the event of the
// log at the batch's revision, before rec is applied. It reports whether
// rec starts the batch, which is then committed here (its commands
// answered, its items delivered, as for an append that answered), so
// applyLog skips the batch's events. Another appender's event there
// settles it as lost, and the unsure batches behind it with it (decided on
// top of it, they were appended for revisions after it): their commands
// are decided again after the catch-up.
func (c *chatActor) settleFromLog(ctx actor.Context, rec events.RecordedEvent) bool {
	u := c.unsure[0]
	if rec.ID != u.data[0].ID {
		fs := c.unsure
		c.unsure = nil
		c.redecide(ctx, fs)
		return false
	}
	c.unsure = c.unsure[1:]
	if len(c.unsure) == 0 {
		c.unsure = nil
	}
	if m := membership(u.ready.Events); len(m) > 0 {
		ctx.Send(c.node.dirOwner, dirSettled{Events: m})
	}
	c.commit(ctx, u, events.AppendResult{NextExpectedRevision: u.rev + uint64(len(u.data)) - 1})
	return true
}

// answerUnsure answers the waiting commands of the unsure batches the log
// does not hold (yet): those whose events they carried `unavailable`, the
// others go back to the queue. Their event ids are remembered, for a late
// landing.
func (c *chatActor) answerUnsure(ctx actor.Context) {
	fs := c.unsure
	if len(fs) == 0 {
		return
	}
	c.unsure = nil
	for _, f := range fs {
		c.unacked.add(f.data)
	}
	c.unacked.batch = c.batch
	c.failFlights(ctx, fs, ErrStoreUnavailable, nil)
}

// passed forgets the unacked ids once the store answered batch, when it
// was submitted after them to a store that takes appends in order: every
// append of theirs was taken before it (one that landed would have made
// batch's expected revision fail), so none of them can land any more, and
// the chat may pipeline again (flightBound).
func (u *unackedIDs) passed(batch uint64, inOrder bool) {
	if inOrder && len(u.order) > 0 && batch > u.batch {
		*u = unackedIDs{}
	}
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
