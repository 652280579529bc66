package actors

import (
	"github.com/linkup-chat/linkup/events"
)

// Presence across nodes (v1.1). A user is online when a connection of
// theirs is open on any node sharing the log. Each node knows its own
// connections (its user actors tell the presence owner, presence.go) and
// folds the others' from the log: the log follower tells the presence
// owner of every ConnectionOpened and ConnectionClosed another node
// appended (presenceRemote). A change of a user's status seen this way is
// sent to the audience connected to this node (each node tells its own
// connections, as for chat items). A connection closed on another node
// counts as open for PresenceGrace more, as on its own node, so a
// reconnect elsewhere within it says nothing.
//
// Not covered: connections opened on other nodes before this node started
// (it learns of their users when they next connect), and connections of a
// node that died without closing them (their users stay online here until
// this node restarts): the log has no record of a node's death.

// observedConnection hands a connection event another node appended to
// the presence owner.
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
		n.system.Root.Send(n.presence.owner, presenceRemote{User: e.UserID, Conn: e.ConnectionID, Open: true})
	case events.ConnectionClosed:
		n.system.Root.Send(n.presence.owner, presenceRemote{User: e.UserID, Conn: e.ConnectionID, At: e.At})
	}
}
