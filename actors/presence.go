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

// presenceEntry is one user's presence: online, and when their last
// connection closed (zero: never).
type presenceEntry struct {
	Online   bool
	LastSeen time.Time
}

// presenceChanged tells the presence owner a user's presence.
type presenceChanged struct {
	User  string
	Entry presenceEntry
}

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
			if e, _ := b.Get(c.UserID); c.At.After(e.LastSeen) {
				b.Set(c.UserID, presenceEntry{LastSeen: c.At.UTC()})
			}
		}
	}
	p.p.Store(b.Map())
	return nil
}

// presenceOwner is the one actor that changes the presence book, and the
// one that decides when a user's status changed.
type presenceOwner struct {
	node *Node
	book *presenceBook
}

// Receive applies a change (a last close never moves back), publishes it
// and, if the user came online or went offline, tells their audience.
func (o *presenceOwner) Receive(ctx actor.Context) {
	if m, ok := ctx.Message().(presenceChanged); ok {
		cur := o.book.p.Load()
		old, _ := cur.Get(m.User)
		if old.LastSeen.After(m.Entry.LastSeen) {
			m.Entry.LastSeen = old.LastSeen
		}
		o.book.p.Store(cur.Set(m.User, m.Entry))
		if m.Entry.Online != old.Online {
			o.node.broadcastPresence(m.Entry.frame(m.User))
		}
	}
}

// spawnPresenceOwner starts the owner of the node's presence book.
func (n *Node) spawnPresenceOwner() *actor.PID {
	return newKind(n, "presence").spawn(n.system.Root, &presenceOwner{node: n, book: n.presence})
}

// frame is user's presence as a frame.
func (e presenceEntry) frame(user string) protocol.PresenceFrame {
	switch {
	case e.Online:
		return protocol.PresenceFrame{User: user, Status: protocol.StatusOnline}
	case e.LastSeen.IsZero():
		return protocol.PresenceFrame{User: user, Status: protocol.StatusOffline}
	}
	last := e.LastSeen
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
