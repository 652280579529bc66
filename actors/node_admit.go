package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// admission counts the node's open connections for Shutdown's drain and
// stops counting once Shutdown begins: a WaitGroup's Add from zero may not
// run while its Wait does, and a handshake may finish (Connect) while the
// node shuts down. A connection made after that is told to reconnect at
// once and is not waited for.
type admission struct {
	mu      sync.Mutex
	closing bool
	reason  string
	open    sync.WaitGroup
}

// admit counts connection c (pid) as open and lists it in conns at the
// slot it reserved, unless Shutdown has begun: then it gives the slot
// back and returns false and the reason Shutdown gave.
func (n *Node) admit(c *connActor, pid *actor.PID) (string, bool) {
	a := &n.admission
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		n.conns.release(c.slot)
		return a.reason, false
	}
	a.open.Add(1)
	n.conns.fill(c.slot, pid)
	return "", true
}

// closeAdmission makes every later Connect a connection told to reconnect
// with reason, so that waiting for the open ones is safe.
func (n *Node) closeAdmission(reason string) {
	a := &n.admission
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closing, a.reason = true, reason
}

// AdmitUser counts one more connection of user, unless they have max
// open already: then it returns false and counts nothing. Each true must
// be matched by one ReleaseUser when the connection is gone (transport
// calls it for its per-user limit, from the handshake to the close).
// Safe for concurrent use.
func (n *Node) AdmitUser(user string, max int) bool { return n.users.admit(user, max) }

// ReleaseUser undoes one AdmitUser of user.
func (n *Node) ReleaseUser(user string) { n.users.release(user, n.system.Root.Send) }
