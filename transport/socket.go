package transport

import (
	"bytes"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/actors"
)

// socket is the outbound half of a WebSocket. Frames sent while nothing is
// pending are written at once by the sender with one non-blocking writev
// (no goroutine, no copy); what the kernel does not take, and whatever is
// sent meanwhile, waits in a bounded queue written by a flush goroutine that
// exists only while there is something to write, all pending frames in one
// write call. Idle sockets hold no goroutine and no buffer.
type socket struct {
	conn     net.Conn
	raw      syscall.RawConn // nil: no direct writes, always queue
	pending  []byte          // framed bytes a direct write left over
	max      int
	timeout  time.Duration
	onAbort  func(reason string)
	onClosed func()
	mu       sync.Mutex
	queue    [][]byte
	ctrl     [][]byte
	flushing bool
	closing  bool
	done     bool
	close    []byte
	reason   string
}

var _ actors.Socket = (*socket)(nil)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Send queues a text frame (see actors.Socket).
func (s *socket) Send(frame []byte) error { return s.SendMany([][]byte{frame}) }

// SendMany sends frames in order, in one system call when the socket is
// idle (see actors.Socket).
func (s *socket) SendMany(frames [][]byte) error {
	s.mu.Lock()
	switch {
	case s.closing || s.done:
		s.mu.Unlock()
		return actors.ErrSocketClosed
	case len(s.queue)+len(frames) > s.max:
		s.mu.Unlock()
		return actors.ErrQueueFull
	case s.flushing || s.raw == nil:
		s.queue = append(s.queue, frames...)
		s.kick()
		s.mu.Unlock()
		return nil
	}
	s.flushing = true // this caller is the writer until it hands over
	s.mu.Unlock()
	rest, err := writeFrames(s.raw, frames)
	if err != nil {
		s.abort("write failed")
		return nil
	}
	s.handOver(rest)
	return nil
}

// handOver ends a direct write: leftovers and anything queued meanwhile go
// to a flush goroutine.
func (s *socket) handOver(rest []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = rest
	if rest != nil || len(s.queue) > 0 || len(s.ctrl) > 0 || s.closing {
		go s.flush()
		return
	}
	s.flushing = false
}

// control queues a control frame (ping, pong), ahead of data frames.
func (s *socket) control(op ws.OpCode, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.done {
		return
	}
	s.ctrl = append(s.ctrl, frameBytes(op, payload))
	s.kick()
}

// Close queues final after what is queued, then a close frame; the socket
// stops reading shortly after (see actors.Socket).
func (s *socket) Close(final []byte, code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.done {
		return
	}
	if final != nil {
		s.queue = append(s.queue, final)
	}
	s.closeWith(ws.NewCloseFrameBody(ws.StatusCode(code), truncate(reason, 120)), reason)
}

// answerClose answers the client's close frame with a close frame of body
// echo after what is queued. It reports true when the server's own close
// frame has already been written: the closing handshake is then complete.
func (s *socket) answerClose(echo []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.done:
		return true
	case s.closing:
		return false // the server's close frame is on its way: it is the answer
	}
	s.closeWith(echo, "client closed")
	return false
}

// closeWith queues a close frame of body after everything queued. Called
// with mu held.
func (s *socket) closeWith(body []byte, reason string) {
	s.closing, s.reason = true, reason
	s.close = frameBytes(ws.OpClose, body)
	s.kick()
}

// kick starts the flush goroutine if none runs. Called with mu held.
func (s *socket) kick() {
	if !s.flushing {
		s.flushing = true
		go s.flush()
	}
}

func (s *socket) flush() {
	for {
		buf, last := s.take()
		if buf == nil {
			return
		}
		_ = s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
		_, err := s.conn.Write(buf.Bytes())
		buf.Reset()
		bufPool.Put(buf)
		if err != nil {
			s.abort("write failed")
			return
		}
		if last {
			s.halfClose()
			return
		}
	}
}

// take moves everything queued into one buffer. last is set when the close
// frame is in it.
func (s *socket) take() (*bytes.Buffer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 && len(s.ctrl) == 0 && s.pending == nil && (!s.closing || s.done) {
		s.flushing = false
		return nil, false
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Write(s.pending)
	s.pending = nil
	for _, c := range s.ctrl {
		buf.Write(c)
	}
	for _, f := range s.queue {
		_ = ws.WriteHeader(buf, ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(f))})
		buf.Write(f)
	}
	clear(s.queue)
	s.queue, s.ctrl = s.queue[:0], nil
	if s.closing && !s.done {
		buf.Write(s.close)
		s.done = true
		return buf, true
	}
	return buf, false
}

// halfClose ends our side after the close frame and gives the client a
// moment to answer before the reader gives up.
func (s *socket) halfClose() {
	if tc, ok := s.conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	if s.onClosed != nil {
		s.onClosed()
	}
}

func (s *socket) abort(reason string) {
	s.mu.Lock()
	s.done, s.closing = true, true
	s.queue = nil
	s.mu.Unlock()
	s.onAbort(reason)
}

// frameBytes builds an unmasked server frame.
func frameBytes(op ws.OpCode, payload []byte) []byte {
	var b bytes.Buffer
	_ = ws.WriteFrame(&b, ws.NewFrame(op, true, payload))
	return b.Bytes()
}

// closedBy returns the reason the server closed the socket for, if it did.
func (s *socket) closedBy() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}
