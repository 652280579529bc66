package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Messages to a user actor about presence.
type (
	// userPresence carries an encoded `presence` frame for every
	// connection of the user.
	userPresence struct{ Frame []byte }
	// userGraceOver: the grace period after the user's last connection
	// closed (started as Gen) is over.
	userGraceOver struct{ Gen uint32 }
)

// cameOnline runs when the user's first connection attaches: within the
// grace period of the last one closing nothing is said (a quick
// reconnect), otherwise the presence owner learns the user is online (and
// tells the audience, presence.go).
func (u *userActor) cameOnline(r userRun) {
	if u.graceTmr != nil {
		u.graceTmr.Stop()
		u.graceTmr = nil
		return
	}
	u.online = true
	r.n.system.Root.Send(r.n.presence.owner, presenceChanged{User: r.id, Entry: u.presence()})
}

// wentOffline runs when the user's last connection detaches: the user is
// said to be offline once PresenceGrace has passed without a reconnect.
func (u *userActor) wentOffline(r userRun) {
	u.seen = time.Now().UnixNano()
	r.ctx.Send(r.n.presence.owner, presenceChanged{User: r.id, Entry: u.presence()})
	u.graceGen++
	n, id, gen := r.n, r.id, u.graceGen
	u.graceTmr = time.AfterFunc(n.cfg.PresenceGrace, func() { n.users.sendIfPresent(id, userGraceOver{Gen: gen}, n.system.Root.Send) })
}

// graceOver says the user is offline if they did not come back.
func (u *userActor) graceOver(r userRun, m userGraceOver) {
	if m.Gen != u.graceGen || u.graceTmr == nil || len(u.conns) > 0 {
		return
	}
	u.graceTmr = nil
	u.online = false
	r.n.system.Root.Send(r.n.presence.owner, presenceChanged{User: r.id, Entry: u.presence()})
}

// presenceOut is a presence frame for one connection. Presence is best
// effort: a connection whose fan-out backlog or outbound queue is full
// does not get it (linkup_presence_dropped_total; get_presence answers
// the truth), so a burst of members coming online never makes a reading
// client a slow consumer.
type presenceOut struct{ Frame []byte }

// sendPresence hands a presence frame to each of the user's connections
// that has fewer than maxDeliverBacklog of them in flight (sent, not
// acknowledged by a deliverAck: the same credits as a chat's items,
// chat_backlog.go, counted apart, so presence never makes a connection a
// slow consumer).
func (u *userActor) sendPresence(r userRun, m userPresence) {
	for i := range u.conns {
		c := &u.conns[i]
		if c.inflight >= maxDeliverBacklog {
			r.n.m.timeline.presenceDropped.Inc()
			continue
		}
		c.inflight++
		r.ctx.Send(c.pid, presenceOut{Frame: m.Frame})
	}
}

// presenceAcked credits a connection with the presence frames it handled.
func (u *userActor) presenceAcked(m deliverAck) {
	for i := range u.conns {
		if c := &u.conns[i]; c.pid.Id == m.Conn.Id {
			c.inflight = max(c.inflight-m.Items, 0)
		}
	}
}

// sendPresence writes a presence frame if the outbound queue has room.
func (c *connActor) sendPresence(ctx actor.Context, m presenceOut) {
	if n := c.received().acks.handled("", 1); n > 0 {
		c.node.users.sendIfPresent(c.info.UserID, deliverAck{Conn: ctx.Self(), Items: n}, ctx.Send)
	}
	if c.closed {
		return
	}
	switch err := c.sock.SendMany([][]byte{m.Frame}); err {
	case nil:
		c.received().out++
		c.node.m.framesOut.Inc()
	case ErrQueueFull:
		c.node.m.timeline.presenceDropped.Inc()
	}
}
