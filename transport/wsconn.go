package transport

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// wsConn is one accepted WebSocket: its reader, its socket and its handle
// on the connection actor. It is 64 bytes (issue #17): its id and user
// are the actor's, its net.Conn the socket's (conn), and the server finds
// it by slot, not by id.
type wsConn struct {
	srv      *Server
	sock     *socket
	actor    *actors.Conn
	lastSeen atomic.Int64
	// pollID registers the connection with the server's poller.
	pollID uint64
	// frags accumulates the fragments of a fragmented data message; nil
	// outside one (an idle connection keeps no buffer).
	frags *[]byte
	// readMu is never contended (one-shot polling lets one goroutine read
	// at a time); it makes that ordering visible to the race detector, which
	// cannot see it through epoll, and is empty outside race builds
	// (wsconn_readlock.go).
	readMu readLock
	// life holds connReady, set once the upgrade is done and conn, sock
	// and actor are in place (the keepalive sweep leaves connections alone
	// until then), and connEnded, set by the first end.
	life   atomic.Uint32
	pollFD int32
	// slot is the connection's index in the server's list while tracked,
	// -1 otherwise (guarded by the server's mu).
	slot  int32
	msgOp ws.OpCode
	// peerClosed is set once the client's close frame was read.
	peerClosed bool
}

// wsConn.life's bits.
const (
	connReady uint32 = 1 << iota
	connEnded
)

var _ socketOwner = (*wsConn)(nil)

// conn is the connection's net.Conn (the socket's: set once the upgrade
// is done).
func (c *wsConn) conn() net.Conn { return c.sock.conn }

// id is the connection's id (the actor's: set once the upgrade is done).
func (c *wsConn) id() string { return c.actor.ID() }

// user is the connection's user (the actor's: set once the upgrade is
// done; before, the handshake has it).
func (c *wsConn) user() string { return c.actor.UserID() }

// writeFailed ends the connection after a failed write (socketOwner).
func (c *wsConn) writeFailed(reason string) { c.end(errors.New(reason)) }

// closeSent gives the client closeWait to answer the server's close frame
// before the connection ends (socketOwner).
func (c *wsConn) closeSent() { time.AfterFunc(closeWait, func() { c.end(errClosedByServer) }) }

// readTimeout bounds the reading of one frame once its first bytes are
// there, so a client that stops mid-frame cannot pin a goroutine.
const readTimeout = 10 * time.Second

// readReady reads what a connection the poller found readable has, with
// one read of at most readBufSize bytes, handles every frame in it (the
// last one read to its end), then asks to be told again. More data fires
// the poller again at once.
func (c *wsConn) readReady() {
	defer c.recoverReader()
	c.readMu.Lock()
	defer c.readMu.Unlock()
	_ = c.conn().SetReadDeadline(time.Now().Add(readTimeout))
	rb := getReadBuf(c.conn())
	defer rb.put()
	if !c.stopOn(rb.fill()) {
		return
	}
	for {
		if !c.stopOn(c.readFrame(rb)) {
			return
		}
		if !rb.buffered() {
			break
		}
	}
	if err := c.srv.poll.rearm(c); err != nil {
		c.end(err)
	}
}

// startReading reads through the poller when there is one, else on a
// goroutine of its own.
func (c *wsConn) startReading() {
	if c.srv.poll != nil && c.srv.poll.add(c) == nil {
		return
	}
	go c.readLoop()
}

// readLoop reads frames until the connection ends.
func (c *wsConn) readLoop() {
	defer c.recoverReader()
	for c.stopOn(c.readFrame(c.conn())) {
	}
}

// stopOn handles a read error: a *closeError closes the connection with
// its code (reading stops, the socket's close path ends it), any other
// error ends it at once. It reports whether to go on reading.
func (c *wsConn) stopOn(err error) bool {
	if err == nil {
		return true
	}
	c.stopFor(err)
	return false
}

// stopFor is stopOn of an error: ce (moved to the heap by errors.As) is
// made only when reading stops, not for every frame read.
func (c *wsConn) stopFor(err error) {
	var ce *closeError
	if errors.As(err, &ce) {
		c.fail(ce)
		return
	}
	c.end(err)
}

// readFrame reads one frame from r (the connection, or a readBuf over it)
// and handles it.
func (c *wsConn) readFrame(r io.Reader) error {
	h, err := ws.ReadHeader(r)
	if errors.Is(err, ws.ErrHeaderLengthMSB) || errors.Is(err, ws.ErrHeaderLengthUnexpected) {
		return protocolError(err)
	}
	if err != nil {
		return err
	}
	if err := ws.CheckHeader(h, c.readState()); err != nil {
		return protocolError(err) // reserved bits or opcode, unmasked, control over 125 bytes or fragmented, bad continuation
	}
	if h.Length > int64(c.srv.cfg.MaxFrameBytes) || int64(c.fragsLen())+h.Length > int64(c.srv.cfg.MaxFrameBytes) {
		return errFrameTooLarge
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return err
	}
	ws.Cipher(payload, h.Mask, 0)
	c.lastSeen.Store(time.Now().UnixNano())
	if h.OpCode.IsControl() {
		return c.control(h, payload)
	}
	return c.data(h, payload)
}

func (c *wsConn) control(h ws.Header, payload []byte) error {
	switch h.OpCode {
	case ws.OpPing:
		c.sock.control(ws.OpPong, payload)
	case ws.OpClose:
		return c.closeReceived(payload)
	}
	return nil
}

// readState is what ws.CheckHeader needs to know: a server reading, in the
// middle of a fragmented message or not.
func (c *wsConn) readState() ws.State {
	if c.frags != nil {
		return ws.StateServerSide | ws.StateFragmented
	}
	return ws.StateServerSide
}

// data handles a data frame, joining fragments into one message (the
// order of fragments was checked with the header). A text message must be
// valid UTF-8 as a whole (a fragment may end inside a character).
func (c *wsConn) data(h ws.Header, payload []byte) error {
	if h.OpCode != ws.OpContinuation {
		c.msgOp = h.OpCode
	}
	if !h.Fin {
		if c.frags == nil {
			c.frags = new([]byte)
		}
		*c.frags = append(*c.frags, payload...)
		return nil
	}
	if c.frags != nil {
		payload, c.frags = append(*c.frags, payload...), nil
	}
	if c.msgOp == ws.OpText && !utf8.Valid(payload) {
		return errInvalidUTF8
	}
	if !c.peerClosed { // after its close frame a client's data is ignored
		c.dispatch(c.msgOp, payload)
	}
	return nil
}

func (c *wsConn) dispatch(op ws.OpCode, payload []byte) {
	c.srv.m.framesIn.Inc()
	if op == ws.OpBinary {
		c.actor.Handle(protocol.BadFrame{FrameType: "binary", Err: protocol.Errorf(protocol.CodeUnsupportedFrame, "binary frames are not supported; send JSON in text frames")})
		return
	}
	cmd, _ := protocol.Decode(payload) // a refusal is a BadFrame the actor answers
	c.actor.Handle(cmd)
}

// fragsLen is the length of the fragmented message read so far.
func (c *wsConn) fragsLen() int {
	if c.frags == nil {
		return 0
	}
	return len(*c.frags)
}

// end closes the connection for err, once.
//
// A write may fail, or a close be sent, while the upgrade is still in
// Connect (a connection made during Shutdown is told to reconnect at once,
// written by its actor in place): the actor handle does not exist yet, so
// end leaves the rest to the upgrade, which ends the connection as soon as
// Connect returns (readyOrEnd). Both mark life atomically, so exactly one
// of them finishes.
func (c *wsConn) end(err error) {
	prev := c.life.Or(connEnded)
	if prev&connEnded != 0 || prev&connReady == 0 {
		return
	}
	c.finish(c.closeReason(err))
}

// readyOrEnd marks the upgrade done once Connect has returned, and
// reports whether the connection may start reading; if it ended during
// Connect it is finished here.
func (c *wsConn) readyOrEnd() bool {
	if c.life.Or(connReady)&connEnded == 0 {
		return true
	}
	c.finish(c.closeReason(errEndedInConnect))
	return false
}

// finish closes the descriptor, stops tracking the connection and tells
// its actor; it runs once, from end or readyOrEnd.
func (c *wsConn) finish(reason string) {
	if c.srv.poll != nil {
		c.srv.poll.remove(c)
	}
	_ = c.conn().Close()
	c.srv.forget(c, c.user())
	c.actor.Closed(reason)
}

func (c *wsConn) closeReason(err error) string {
	if r := c.sock.closedBy(); r != "" {
		return r
	}
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF):
		return "client closed"
	case errors.As(err, &ne) && ne.Timeout():
		return "closed by server"
	default:
		return "connection lost"
	}
}

// recoverReader keeps a bug in the read path from killing the process: the
// panic is recorded (severity critical) and only this connection ends.
func (c *wsConn) recoverReader() {
	r := recover()
	if r == nil {
		return
	}
	c.srv.cfg.Logger.Error("reader panic", "connection", c.id(), "panic", fmt.Sprint(r))
	c.srv.cfg.Node.RecordError(events.ErrorRecorded{ErrorType: "reader_panic", Severity: events.SeverityCritical,
		Message: fmt.Sprintf("panic while reading a frame: %v", r), User: c.user(), ConnectionID: c.id(),
		Context: map[string]any{"stack": string(debug.Stack())}})
	c.fail(errProtocol)
}
