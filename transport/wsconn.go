package transport

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/events"
)

// wsConn is one accepted WebSocket: its reader, its socket and its handle
// on the connection actor.
type wsConn struct {
	srv      *Server
	conn     net.Conn
	sock     *socket
	actor    *actors.Conn
	info     actors.ConnInfo
	lastSeen atomic.Int64
	// ready is set once the upgrade is done and conn, sock and actor are
	// in place; the keepalive sweep leaves connections alone until then.
	ready atomic.Bool
	once  sync.Once
	// message accumulates the fragments of a fragmented data message.
	message []byte
	msgOp   ws.OpCode
	// pollID and pollFD register the connection with the server's poller.
	pollID uint64
	pollFD int
	// readMu is never contended (one-shot polling lets one goroutine read
	// at a time); it makes that ordering visible to the race detector, which
	// cannot see it through epoll.
	readMu sync.Mutex
}

// readTimeout bounds the reading of one frame once its first bytes are
// there, so a client that stops mid-frame cannot pin a goroutine.
const readTimeout = 10 * time.Second

// readReady reads one frame of a connection the poller found readable, then
// asks to be told again. More buffered data fires the poller again at once.
func (c *wsConn) readReady() {
	defer c.recoverReader()
	c.readMu.Lock()
	defer c.readMu.Unlock()
	_ = c.conn.SetReadDeadline(time.Now().Add(readTimeout))
	if err := c.readFrame(); err != nil {
		c.end(err)
		return
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

// errFrameTooLarge ends a connection whose frame exceeds the limit (close
// code 1009).
var errFrameTooLarge = errors.New("frame too large")

// errProtocol ends a connection that broke the WebSocket protocol (1002).
var errProtocol = errors.New("protocol error")

// readLoop reads frames until the connection ends.
func (c *wsConn) readLoop() {
	defer c.recoverReader()
	for {
		if err := c.readFrame(); err != nil {
			c.end(err)
			return
		}
	}
}

// readFrame reads and handles one frame.
func (c *wsConn) readFrame() error {
	h, err := ws.ReadHeader(c.conn)
	if err != nil {
		return err
	}
	if !h.Masked || h.OpCode.IsReserved() || h.Rsv != 0 {
		return errProtocol
	}
	if h.Length > int64(c.srv.cfg.MaxFrameBytes) || int64(len(c.message))+h.Length > int64(c.srv.cfg.MaxFrameBytes) {
		return errFrameTooLarge
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(c.conn, payload); err != nil {
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
		return io.EOF
	}
	return nil
}

// data handles a data frame, joining fragments into one message.
func (c *wsConn) data(h ws.Header, payload []byte) error {
	switch {
	case h.OpCode == ws.OpContinuation && c.message == nil:
		return errProtocol
	case h.OpCode != ws.OpContinuation && c.message != nil:
		return errProtocol
	case h.OpCode != ws.OpContinuation:
		c.msgOp = h.OpCode
	}
	if !h.Fin {
		c.message = append(c.message, payload...)
		if c.message == nil {
			c.message = []byte{}
		}
		return nil
	}
	if c.message != nil {
		payload, c.message = append(c.message, payload...), nil
	}
	c.dispatch(c.msgOp, payload)
	return nil
}

func (c *wsConn) dispatch(op ws.OpCode, payload []byte) {
	c.srv.m.framesIn.Inc()
	if op == ws.OpBinary {
		c.actor.Handle(actors.BadFrame{FrameType: "binary", Err: actors.Errorf(actors.CodeUnsupportedFrame, "binary frames are not supported; send JSON in text frames")})
		return
	}
	c.actor.Handle(Decode(payload))
}

// end closes the connection for err, once.
func (c *wsConn) end(err error) {
	c.once.Do(func() {
		reason := c.closeReason(err)
		switch {
		case errors.Is(err, errFrameTooLarge):
			c.refuseFrame(ws.StatusMessageTooBig, "frame too large", "frame_too_large")
		case errors.Is(err, errProtocol):
			c.refuseFrame(ws.StatusProtocolError, "protocol error", "protocol_error")
		}
		if c.srv.poll != nil {
			c.srv.poll.remove(c)
		}
		_ = c.conn.Close()
		c.srv.forget(c)
		c.actor.Closed(reason)
	})
}

func (c *wsConn) closeReason(err error) string {
	if r := c.sock.closedBy(); r != "" {
		return r
	}
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF):
		return "client closed"
	case errors.Is(err, errFrameTooLarge):
		return "frame too large"
	case errors.Is(err, errProtocol):
		return "protocol error"
	case errors.As(err, &ne) && ne.Timeout():
		return "closed by server"
	default:
		return "connection lost"
	}
}

// refuseFrame writes a close frame straight away (the queue may be full)
// and records the error.
func (c *wsConn) refuseFrame(code ws.StatusCode, reason, errType string) {
	_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.conn.Write(frameBytes(ws.OpClose, ws.NewCloseFrameBody(code, reason)))
	c.srv.cfg.Node.RecordError(events.ErrorRecorded{ErrorType: errType, Severity: events.SeverityLow,
		Message: "connection closed: " + reason, User: c.info.UserID, ConnectionID: c.info.ConnectionID,
		Context: map[string]any{"close_code": int(code), "max_frame_bytes": c.srv.cfg.MaxFrameBytes}})
}

// recoverReader keeps a bug in the read path from killing the process: the
// panic is recorded (severity critical) and only this connection ends.
func (c *wsConn) recoverReader() {
	r := recover()
	if r == nil {
		return
	}
	c.srv.cfg.Logger.Error("reader panic", "connection", c.info.ConnectionID, "panic", fmt.Sprint(r))
	c.srv.cfg.Node.RecordError(events.ErrorRecorded{ErrorType: "reader_panic", Severity: events.SeverityCritical,
		Message: fmt.Sprintf("panic while reading a frame: %v", r), User: c.info.UserID, ConnectionID: c.info.ConnectionID,
		Context: map[string]any{"stack": string(debug.Stack())}})
	c.end(errProtocol)
}
