package actors

import (
	"strings"

	"github.com/asynkron/protoactor-go/actor"
)

// originConn returns the connection on this node that caused an event,
// from the event's correlation id (connActor.corr: the connection id, a
// colon, the command's ordinal), or nil. A chat that delivers what it
// read from the log (a command routed to another node's chat, or appended
// there) passes it as the items' Origin, so the sending connection gets
// its ack and not the message frame too, as when its own node appended.
func (n *Node) originConn(corr string) *actor.PID {
	id, _, ok := strings.Cut(corr, ":")
	if !ok || id == "" {
		return nil
	}
	pid, _ := n.conns.get(id)
	return pid
}
