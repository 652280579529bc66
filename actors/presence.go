package actors

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/benbjohnson/immutable"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// Presence defaults (Config.PresenceGrace, Config.PresenceMaxChatMembers,
// Config.PresenceMaxAudience).
const (
	DefaultPresenceGrace          = 5 * time.Second
	DefaultPresenceMaxChatMembers = 256
	DefaultPresenceMaxAudience    = 1000
)

// presenceBook knows which users are online on this node (a connection
// open, or the last one closed less than the grace period ago) and when
// each user's last connection closed: loaded from the log's
// ConnectionClosed events when the node starts (so last_seen survives a
// restart), then changed by its owner alone (presenceOwner), told by the
// user actors (presenceChanged), which publishes each version as an
// immutable map and then tells the audience of a user whose status
// changed. get_presence reads the latest version without a lock, so a
// client that got a `presence` frame finds the same status there.
type presenceBook struct {
	p     atomic.Pointer[immutable.Map[string, presenceEntry]]
	owner *actor.PID
}

// presenceEntry is one user's presence in 8 bytes: when their last
// connection closed (unix ns, 0: never) in its low 62 bits, and two
// flags above them: online, and, in the presence book, here, whether the
// user is online on this node (as their user actor last said; the user
// actors leave it unset). A time.Time and two bools cost 16 bytes more in
// every user actor, and made each entry of the book 48 bytes instead of
// 32 (issue #17); a map of its own for here cost ~50 bytes per online
// user.
type presenceEntry uint64

const (
	presenceOnline presenceEntry = 1 << 63
	presenceHere   presenceEntry = 1 << 62
	presenceSeen   presenceEntry = presenceHere - 1 // unix ns until the year 2116
)

// entryOf is the presence of a user online or not, whose last connection
// closed at seen (unix ns, 0: never).
func entryOf(online bool, seen int64) presenceEntry {
	var e presenceEntry
	e.setOnline(online)
	e.setSeen(seen)
	return e
}

// Online reports whether the user is online.
func (e presenceEntry) Online() bool { return e&presenceOnline != 0 }

// here reports whether the user is online on this node (book entries).
func (e presenceEntry) here() bool { return e&presenceHere != 0 }

// seen is when the user's last connection closed, unix ns (0: never).
func (e presenceEntry) seen() int64 { return int64(e & presenceSeen) }

func (e *presenceEntry) setOnline(on bool) { e.setFlag(presenceOnline, on) }

func (e *presenceEntry) setHere(on bool) { e.setFlag(presenceHere, on) }

func (e *presenceEntry) setFlag(f presenceEntry, on bool) {
	if on {
		*e |= f
	} else {
		*e &^= f
	}
}

// setSeen sets when the user's last connection closed (unix ns); a time
// before 1970 or past what the entry holds counts as never.
func (e *presenceEntry) setSeen(ns int64) {
	*e &^= presenceSeen
	if ns > 0 && presenceEntry(ns) <= presenceSeen {
		*e |= presenceEntry(ns)
	}
}

// lastSeen is when the user's last connection closed (zero: never).
func (e presenceEntry) lastSeen() time.Time {
	if e.seen() == 0 {
		return time.Time{}
	}
	return time.Unix(0, e.seen()).UTC()
}

// setLastSeen sets when the user's last connection closed.
func (e *presenceEntry) setLastSeen(t time.Time) {
	if t.IsZero() {
		e.setSeen(0)
		return
	}
	e.setSeen(t.UnixNano())
}

// Messages to the presence owner.
type (
	// presenceChanged tells it a user's presence on this node.
	presenceChanged struct {
		User  string
		Entry presenceEntry
	}
	// presenceRemote tells it a connection of User opened (Open) or
	// closed (at At) on another node (follow_presence.go).
	presenceRemote struct {
		User, Conn string
		Open       bool
		At         time.Time
	}
	// presenceRemoteGone: the grace after a remote connection closed is
	// over (sent by the owner's own timer).
	presenceRemoteGone struct{ User, Conn string }
)

func newPresenceBook() *presenceBook {
	p := &presenceBook{}
	p.p.Store(immutable.NewMap[string, presenceEntry](nil))
	return p
}

// load reads every ConnectionClosed of the log once, before the node
// accepts connections.
func (p *presenceBook) load(ctx context.Context, store events.Store) error {
	b := immutable.NewMapBuilder[string, presenceEntry](nil)
	opts := events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{events.TypeConnectionClosed}}}
	for rec, err := range store.ReadAll(ctx, opts) {
		if err != nil {
			return err
		}
		ev, err := events.Decode(rec)
		if err != nil {
			continue
		}
		if c, ok := ev.(events.ConnectionClosed); ok {
			if e, _ := b.Get(c.UserID); c.At.After(e.lastSeen()) {
				var n presenceEntry
				n.setLastSeen(c.At)
				b.Set(c.UserID, n)
			}
		}
	}
	p.p.Store(b.Map())
	return nil
}

// presenceOwner is the one actor that changes the presence book, and the
// one that decides when a user's status changed. A user is online when
// they are connected here (their user actor says so, presenceChanged) or
// on another node sharing the log (the log follower says so,
// presenceRemote; follow_presence.go).
type presenceOwner struct {
	node *Node
	book *presenceBook
	// remote is, per user, their connections open on other nodes, or
	// closed there less than PresenceGrace ago (at most as many as those
	// nodes accept; a user's entry goes with their last connection).
	remote map[string]map[string]bool
}

// Receive applies a change (a last close never moves back), publishes it
// and, if the user came online or went offline, tells their audience.
func (o *presenceOwner) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case presenceChanged:
		online := m.Entry.Online()
		o.set(m.User, &online, m.Entry.lastSeen())
	case presenceRemote:
		o.onRemote(ctx, m)
	case presenceRemoteGone:
		if conns := o.remote[m.User]; conns[m.Conn] {
			delete(conns, m.Conn)
			if len(conns) == 0 {
				delete(o.remote, m.User)
			}
			o.publish(m.User, time.Time{})
		}
	}
}

// onRemote folds another node's connection opening or closing: a closed
// connection counts as open for PresenceGrace more, as on its own node,
// so a reconnect elsewhere within it says nothing.
func (o *presenceOwner) onRemote(ctx actor.Context, m presenceRemote) {
	if m.Open {
		if o.remote[m.User] == nil {
			o.remote[m.User] = map[string]bool{}
		}
		o.remote[m.User][m.Conn] = true
		o.publish(m.User, time.Time{})
		return
	}
	o.publish(m.User, m.At.UTC())
	self, sys, gone := ctx.Self(), o.node.system, presenceRemoteGone{User: m.User, Conn: m.Conn}
	time.AfterFunc(o.node.cfg.PresenceGrace, func() { sys.Root.Send(self, gone) })
}

// publish stores user's entry (online here or elsewhere; the later of its
// last close and lastSeen) and, if their status changed, tells their
// audience, after publishing.
func (o *presenceOwner) publish(user string, lastSeen time.Time) { o.set(user, nil, lastSeen) }

// set is publish that also says, when here is not nil, whether user is
// online on this node.
func (o *presenceOwner) set(user string, here *bool, lastSeen time.Time) {
	cur := o.book.p.Load()
	old, _ := cur.Get(user)
	e := old
	if here != nil {
		e.setHere(*here)
	}
	e.setOnline(e.here() || len(o.remote[user]) > 0)
	if lastSeen.After(e.lastSeen()) {
		e.setLastSeen(lastSeen)
	}
	if e == old {
		return
	}
	o.book.p.Store(cur.Set(user, e))
	if e.Online() != old.Online() {
		o.node.broadcastPresence(e.frame(user))
	}
}

// spawnPresenceOwner starts the owner of the node's presence book.
func (n *Node) spawnPresenceOwner() *actor.PID {
	o := &presenceOwner{node: n, book: n.presence, remote: map[string]map[string]bool{}}
	return newKind(n, "presence").spawn(n.system.Root, o)
}

// frame is user's presence as a frame.
func (e presenceEntry) frame(user string) protocol.PresenceFrame {
	switch {
	case e.Online():
		return protocol.PresenceFrame{User: user, Status: protocol.StatusOnline}
	case e.seen() == 0:
		return protocol.PresenceFrame{User: user, Status: protocol.StatusOffline}
	}
	last := e.lastSeen()
	return protocol.PresenceFrame{User: user, Status: protocol.StatusOffline, LastSeen: &last}
}

// broadcastPresence sends a user's presence frame f to the online
// connections of the users who share a chat of at most
// PresenceMaxChatMembers members with them, at most PresenceMaxAudience
// users (linkup_presence_audience_truncated_total counts the cut ones).
// The presence owner calls it, after publishing the change.
func (n *Node) broadcastPresence(f protocol.PresenceFrame) {
	b, err := n.enc.Encode(f)
	if err != nil {
		return
	}
	audience, truncated := n.dir.Audience(f.User, n.cfg.PresenceMaxChatMembers, n.cfg.PresenceMaxAudience)
	if truncated {
		n.m.timeline.presenceTruncated.Inc()
	}
	for _, u := range audience {
		n.sendUserIfOnline(u, userPresence{Frame: b})
	}
	n.m.timeline.presenceSent.Add(float64(len(audience)))
}

// sendUserIfOnline sends msg to user's actor if it runs (the user has a
// connection on this node); offline users cost nothing.
func (n *Node) sendUserIfOnline(user string, msg any) {
	n.users.sendIfPresent(user, msg, n.system.Root.Send)
}

// presenceOf answers get_presence for asker: the asker and users who share
// a chat with them get their status, anyone else unknown.
func (n *Node) presenceOf(asker string, users []string) []protocol.PresenceFrame {
	out := make([]protocol.PresenceFrame, len(users))
	dir, book := n.dir.Load(), n.presence.p.Load()
	for i, u := range users {
		if u != asker && !dir.SharesChat(asker, u) {
			out[i] = protocol.PresenceFrame{User: u, Status: protocol.StatusUnknown}
			continue
		}
		e, _ := book.Get(u)
		out[i] = e.frame(u)
	}
	return out
}

func orDefaultDuration(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
