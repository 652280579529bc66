package actors

import (
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/protocol"
)

// userActor tracks one user's online connections (devices) and keeps each
// of them subscribed to every chat the user belongs to, including chats
// created while they are online. It is not an actor of its own: its
// shard's actor runs it (user_book.go), one message at a time, and hands
// it the node and its id. It is 64 bytes (issue #17).
type userActor struct {
	conns []connRef       // a few devices at most: a slice costs less than a map
	chats map[string]bool // made when the user has a chat
	// graceTmr runs while the user has no connection and the offline
	// presence waits for PresenceGrace (user_presence.go); graceGen tells
	// a stale timer's message from the current one's.
	graceTmr *time.Timer
	// seen and online are the user's own presence on this node (see
	// presence), which this actor alone changes; it tells the presence
	// book's owner (presence.go).
	seen     int64
	graceGen uint32
	// admitted counts the user's connections the transport has let in
	// and not yet let go (userBook.admit), guarded by the shard's lock.
	admitted int32
	online   bool
	started  bool
}

// Messages to a user actor.
type (
	// userAttach: a connection opened, accepted when the node's follower
	// had read the log up to Since (its chats catch it up from there).
	userAttach struct {
		Conn  *actor.PID
		Since uint64
	}
	userDetach struct{ Conn *actor.PID }
	// userJoined: the user became a member of a chat (a new one, or added
	// at seq From); Frame is its encoded chat_created.
	userJoined struct {
		ChatID string
		Frame  []byte
		From   uint64
	}
	// userLeft: the user is no longer a member of the chat (the chat has
	// already dropped their connections).
	userLeft struct{ ChatID string }
	// userRevoke closes every connection of the user (reason admin).
	userRevoke struct{}
)

// connRef is one of the user's connections: its actor and the presence
// frames sent to it and not yet acknowledged (user_presence.go).
type connRef struct {
	pid      *actor.PID
	inflight int
}

func newUserActor() *userActor { return &userActor{} }

// userRun is what a user's handlers get from their shard actor: the node,
// the user's id (the key of their entry: the entry keeps no copy) and the
// shard actor's context.
type userRun struct {
	n   *Node
	id  string
	ctx actor.Context
}

// presence is the user's own presence on this node.
func (u *userActor) presence() presenceEntry { return entryOf(u.online, u.seen) }

// receive is the user's one type switch.
func (u *userActor) receive(r userRun, msg any) {
	if !u.started {
		u.started = true
		for _, id := range r.n.dir.ChatsOf(r.id) {
			u.addChat(id)
		}
	}
	switch m := msg.(type) {
	case userAttach:
		u.conns = append(u.conns, connRef{pid: m.Conn})
		for id := range u.chats {
			r.n.sendChat(id, chatSubscribe{Conn: m.Conn, User: r.id, Attach: true, Since: m.Since})
		}
		if len(u.conns) == 1 {
			u.cameOnline(r)
		}
	case userDetach:
		had := len(u.conns)
		u.detach(r, m.Conn)
		if had > 0 && len(u.conns) == 0 {
			u.wentOffline(r)
		}
	case userGraceOver:
		u.graceOver(r, m)
	case userPresence:
		u.sendPresence(r, m)
	case userJoined:
		u.joined(r, m)
	case userLeft:
		delete(u.chats, m.ChatID)
	case deliverAck:
		u.presenceAcked(m)
		return
	case userRevoke:
		for _, c := range u.conns {
			r.ctx.Send(c.pid, shutdownConn{Reason: protocol.ReasonAdmin})
		}
	}
	u.retireIfOffline(r)
}

// retireIfOffline forgets a user with no connection (once the presence
// grace is over, and none is being let in): offline users cost nothing.
func (u *userActor) retireIfOffline(r userRun) {
	if len(u.conns) == 0 && u.graceTmr == nil {
		r.n.users.retire(r.id, u)
	}
}

// addChat notes a chat of the user.
func (u *userActor) addChat(id string) {
	if u.chats == nil {
		u.chats = map[string]bool{}
	}
	u.chats[id] = true
}

func (u *userActor) detach(r userRun, conn *actor.PID) {
	u.conns = slices.DeleteFunc(u.conns, func(c connRef) bool { return c.pid.Id == conn.Id })
	for id := range u.chats {
		r.n.sendChat(id, chatUnsubscribe{Conn: conn})
	}
}

// joined subscribes the user's connections to a chat they were just added
// to, each welcomed with chat_created and the items since the addition. A
// chat already known (the actor started after the directory took the join
// in, so its connections were subscribed without a welcome) is welcomed
// all the same: subscribing again changes nothing, and the connection
// drops catch-up items it already has; without it that device would never
// get chat_created.
func (u *userActor) joined(r userRun, m userJoined) {
	u.addChat(m.ChatID)
	for _, c := range u.conns {
		r.n.sendChat(m.ChatID, chatSubscribe{Conn: c.pid, User: r.id, Welcome: m.Frame, From: m.From})
	}
}
