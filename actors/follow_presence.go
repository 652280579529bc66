package actors

import (
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Presence across nodes (v1.1). A user is online when a connection of
// theirs is open on any node sharing the log. Each node knows its own
// connections (its user actors, presence.go) and folds the others' from
// the log: the log follower hands it every ConnectionOpened and
// ConnectionClosed another node appended. A change of a user's status
// seen this way is sent to the audience connected to this node (each node
// tells its own connections, as for chat items). A connection closed on
// another node counts as open for PresenceGrace more, as on its own node,
// so a reconnect elsewhere within it says nothing.
//
// Not covered: connections opened on other nodes before this node started
// (it learns of their users when they next connect), and connections of a
// node that died without closing them (their users stay online here until
// this node restarts): the log has no record of a node's death.

// observedConnection folds a connection event another node appended.
func (n *Node) observedConnection(rec events.RecordedEvent) {
	if rec.Type != events.TypeConnectionOpened && rec.Type != events.TypeConnectionClosed {
		return
	}
	ev, err := events.Decode(rec)
	if err != nil {
		return
	}
	switch e := ev.(type) {
	case events.ConnectionOpened:
		if n.presence.remoteOpened(e.UserID, e.ConnectionID) {
			n.broadcastPresence(e.UserID)
		}
	case events.ConnectionClosed:
		n.presence.closed(e.UserID, e.At)
		time.AfterFunc(n.cfg.PresenceGrace, func() {
			if n.ctx.Err() == nil && n.presence.remoteClosed(e.UserID, e.ConnectionID) {
				n.broadcastPresence(e.UserID)
			}
		})
	}
}

// remoteOpened records a connection of user open on another node and
// reports whether the user was offline before.
func (p *presenceBook) remoteOpened(user, conn string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	was := p.online[user] || len(p.remote[user]) > 0
	if p.remote[user] == nil {
		p.remote[user] = map[string]bool{}
	}
	p.remote[user][conn] = true
	return !was
}

// remoteClosed forgets a connection of user on another node and reports
// whether the user is offline now (and was online before).
func (p *presenceBook) remoteClosed(user, conn string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	conns, ok := p.remote[user]
	if !ok || !conns[conn] {
		return false
	}
	delete(conns, conn)
	if len(conns) > 0 {
		return false
	}
	delete(p.remote, user)
	return !p.online[user]
}
