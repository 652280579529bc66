package actors

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/protocol"
)

// Socket is how a connection actor reaches its client; transport
// implements it over a WebSocket.
//
// Send and Close are safe for concurrent use and never block. Frames are
// written in the order Send accepted them.
type Socket interface {
	// Send queues one encoded text frame. It returns ErrQueueFull when the
	// bounded outbound queue is full (the actor then treats the client as a
	// slow consumer) and ErrSocketClosed after Close.
	Send(frame []byte) error
	// SendMany is Send for several frames at once, kept in order; they are
	// refused together when they do not all fit. The list may be shared
	// with other connections (a chat's fan-out): SendMany neither keeps
	// nor changes it, and no frame's bytes are ever changed (Encoder).
	SendMany(frames [][]byte) error
	// Close writes final (if not nil) ahead of anything still queued, then
	// closes the WebSocket with code and reason. Idempotent.
	Close(final []byte, code int, reason string)
}

var (
	// ErrQueueFull is returned by Socket.Send when the client does not read
	// fast enough.
	ErrQueueFull = errors.New("actors: outbound queue full")
	// ErrSocketClosed is returned by Socket.Send after the socket closed.
	ErrSocketClosed = errors.New("actors: socket closed")
)

// WebSocket close codes the actors use.
const (
	CloseNormal        = 1000
	CloseGoingAway     = 1001
	ClosePolicy        = 1008
	CloseServiceReboot = 1012
)

// ConnInfo describes an authenticated connection.
type ConnInfo struct {
	ConnectionID string
	UserID       string
	Roles        []string
	RemoteAddr   string
	UserAgent    string
	// ExpiresAt is the token's expiry: the session ends then.
	ExpiresAt time.Time
}

// Conn is transport's handle on a connection actor. Its methods never
// block and are safe for concurrent use. It reads only what its actor
// never changes once spawned (node, info, renamed, a renamed actor's
// reqs).
type Conn struct {
	a   *connActor
	pid *actor.PID
}

// Handle passes a decoded client command to the connection actor.
func (c *Conn) Handle(cmd protocol.Command) { c.a.node.system.Root.Send(c.pid, cmd) }

// Closed tells the connection actor its socket is gone (client closed, read
// error, ping timeout), with a reason for the ConnectionClosed event.
func (c *Conn) Closed(reason string) { c.a.node.system.Root.Send(c.pid, socketClosed{Reason: reason}) }

// UserID is the connection's user.
func (c *Conn) UserID() string { return c.a.info.UserID }

// ID is the connection id.
func (c *Conn) ID() string {
	if c.a.renamed {
		return c.a.reqs.id
	}
	return connIDOf(c.pid.Id)
}

// Internal messages of the connection actor.
type (
	socketClosed struct{ Reason string }
	shutdownConn struct {
		Reason string
		Retry  int
	}
	tokenExpired struct{}
	aggTimeout   struct{ Agg uint64 }
)

// NonBlockingSocket is a Socket that promises its Send, SendMany and Close
// never wait (transport's: they only queue). Its connection actor runs in
// place (connDispatcher); an actor of any other Socket gets a goroutine per
// mailbox run, so a Socket that blocks holds up only its own actor.
type NonBlockingSocket interface {
	Socket
	NeverBlocks()
}

// runsInPlace reports whether a is a connection actor whose socket never
// blocks.
func runsInPlace(a actor.Actor) bool {
	c, ok := a.(*connActor)
	if !ok {
		return false
	}
	_, ok = c.sock.(NonBlockingSocket)
	return ok
}

// connDispatcher runs a connection actor's mailbox on the goroutine that
// posted to an idle mailbox, instead of a goroutine started per mailbox
// run (Proto.Actor's default): a chat fanning a batch out to its members
// runs each member's delivery (a queue operation on its socket) in place,
// and the reader runs the command it decoded. That removes a goroutine
// start and a stack growth per delivery (issue #17). Proto.Actor's
// mailbox still runs one message at a time, in order: a post to a mailbox
// already running elsewhere is only queued.
//
// Only for NonBlockingSocket connections. Safe because no connection
// handler blocks then, and no sender holds a lock a connection handler
// takes, except Node.Shutdown, which posts under the connections' table
// lock while a handler (finish) takes it: Shutdown first calls goAsync.
type connDispatcher struct{ async atomic.Bool }

var _ actor.Dispatcher = (*connDispatcher)(nil)

// Schedule runs fn now, or on a new goroutine after goAsync.
func (d *connDispatcher) Schedule(fn func()) {
	if d.async.Load() {
		go fn()
		return
	}
	fn()
}

// Throughput is how many messages a mailbox run handles before yielding
// the processor (Proto.Actor's default).
func (d *connDispatcher) Throughput() int { return 300 }

// goAsync makes every later mailbox run start a goroutine of its own.
func (d *connDispatcher) goAsync() { d.async.Store(true) }
