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

// socket is the outbound half of a WebSocket. Sent frames wait in a
// bounded queue; one writer at a time owns the socket (flushing) and writes
// everything queued, control frames first, in one write per round. The
// writer is one of the server's long-lived writer goroutines (writerPool:
// one non-blocking write, no goroutine start, no deadline); when the kernel
// does not take it all, or without a pool, a flush goroutine of the
// socket's own writes with the write timeout until the queue is empty.
// A reply (SendMany) sent while nothing is pending is written at once by
// the sender with one non-blocking writev, instead of waking a pool
// writer for it: an ack's path is one goroutine wake-up shorter (issue
// #17). A fan-out's frames (SendBulk) still go to the pool, whose rounds
// coalesce them; with DirectWrites they are written by the sender too.
// Idle sockets hold no goroutine and no buffer.
//
// A round is scheduled as a reply's (SendMany, control frames, Close) or
// as bulk (SendBulk: a chat's fan-out): the pool's writers serve sockets
// with replies first, so an ack does not wait for the writes of a
// 1,000-member fan-out queued before it. Each socket's own frames keep
// their order whatever the kind.
type socket struct {
	conn     net.Conn
	raw      syscall.RawConn // nil: no non-blocking writes, always a flush goroutine
	direct   bool            // the sender writes an idle socket itself, bulk frames too (DirectWrites)
	pool     *writerPool     // nil: a flush goroutine per round
	pending  []byte          // framed bytes a write left over
	lastPend bool            // pending ends with the close frame
	max      int
	timeout  time.Duration
	onAbort  func(reason string)
	onClosed func()
	mu       sync.Mutex
	queue    [][]byte
	ctrl     [][]byte
	flushing bool
	urgent   bool // a reply was queued while a round ran: the next round is a reply's
	closing  bool
	done     bool
	close    []byte
	reason   string

	// queueReplies leaves replies to the pool as well, as before direct
	// replies (tests of the pool's order of rounds).
	queueReplies bool
}

var (
	_ actors.NonBlockingSocket = (*socket)(nil)
	_ actors.BulkSocket        = (*socket)(nil)
)

// NeverBlocks marks the socket as one whose Send, SendMany and Close only
// queue (see actors.NonBlockingSocket).
func (*socket) NeverBlocks() {}

// bufPool holds the flush goroutines' round buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Send queues a text frame (see actors.Socket).
func (s *socket) Send(frame []byte) error { return s.SendMany([][]byte{frame}) }

// SendMany sends frames in order, in one system call when the socket is
// idle (see actors.Socket); its round goes ahead of bulk rounds.
func (s *socket) SendMany(frames [][]byte) error { return s.send(frames, false) }

// SendBulk is SendMany for a fan-out's frames: the round is scheduled
// behind the sockets with replies waiting (see actors.BulkSocket).
func (s *socket) SendBulk(frames [][]byte) error { return s.send(frames, true) }

func (s *socket) send(frames [][]byte, bulk bool) error {
	s.mu.Lock()
	switch {
	case s.closing || s.done:
		s.mu.Unlock()
		return actors.ErrSocketClosed
	case len(s.queue)+len(frames) > s.max:
		s.mu.Unlock()
		return actors.ErrQueueFull
	case s.flushing || !s.writesDirect(bulk):
		s.queue = append(s.queue, frames...)
		s.kickAs(bulk)
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

// writesDirect reports whether the sender writes frames of this kind to
// the idle socket itself: replies whenever the socket has a descriptor
// and a pool (without a pool the flush goroutines write, as they did
// before the pool), fan-out frames only with DirectWrites.
func (s *socket) writesDirect(bulk bool) bool {
	if bulk || s.queueReplies {
		return s.direct
	}
	return s.direct || (s.raw != nil && s.pool != nil)
}

// handOver ends a direct write: leftovers go to a flush goroutine, anything
// queued meanwhile to a writer.
func (s *socket) handOver(rest []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = rest
	switch {
	case rest != nil:
		go s.flush()
	case s.hasWork():
		s.startRound(s.takeUrgent())
	default:
		s.flushing = false
	}
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

// kick starts a reply's write round if none runs. Called with mu held.
func (s *socket) kick() { s.kickAs(false) }

// kickAs starts a write round, bulk or a reply's, if none runs; a reply
// queued while one runs makes the next round a reply's. Called with mu
// held.
func (s *socket) kickAs(bulk bool) {
	if s.flushing {
		s.urgent = s.urgent || !bulk
		return
	}
	s.flushing = true
	s.startRound(!bulk)
}

// takeUrgent reports and clears whether a reply waits. Called with mu
// held.
func (s *socket) takeUrgent() bool {
	u := s.urgent
	s.urgent = false
	return u
}

// startRound gives the round to a pool writer when the socket can be
// written without blocking (urgent: ahead of bulk rounds), else to a
// flush goroutine. Called with mu held by the owner of flushing.
func (s *socket) startRound(urgent bool) {
	if s.pool != nil && s.raw != nil && s.pool.schedule(s, urgent) {
		return
	}
	go s.flush()
}

// hasWork reports whether anything waits to be written. Called with mu held.
func (s *socket) hasWork() bool {
	return len(s.queue) > 0 || len(s.ctrl) > 0 || s.pending != nil || (s.closing && !s.done)
}

// writeRound is a pool writer's round: everything queued, copied into buf,
// written with one non-blocking write. What the kernel does not take goes
// to a flush goroutine; a socket with more queued meanwhile goes back to
// the pool. It returns buf for reuse.
func (s *socket) writeRound(buf []byte) []byte {
	buf, last, ok := s.take(buf)
	if !ok {
		return buf
	}
	n, err := write1(s.raw, buf)
	switch {
	case err != nil:
		s.abort("write failed")
	case n < len(buf):
		s.mu.Lock()
		s.pending, s.lastPend = append([]byte(nil), buf[n:]...), last
		s.mu.Unlock()
		go s.flush()
	case last:
		s.halfClose()
	default:
		s.mu.Lock()
		if s.hasWork() {
			s.startRound(s.takeUrgent())
		} else {
			s.flushing = false
		}
		s.mu.Unlock()
	}
	return buf
}

// flush writes rounds with blocking writes, each bounded by the write
// timeout (one deadline per round), until nothing is queued.
func (s *socket) flush() {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	for {
		buf, last, ok := s.take((*bp)[:0])
		*bp = buf
		if !ok {
			return
		}
		_ = s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
		_, err := s.conn.Write(buf)
		if err != nil {
			s.abort("write failed")
			return
		}
		if s.raw != nil { // pool writers use the descriptor without deadlines
			_ = s.conn.SetWriteDeadline(time.Time{})
		}
		if last {
			s.halfClose()
			return
		}
	}
}

// take appends everything queued to buf: leftovers, control frames, data
// frames (framed), the close frame. last is set when the close frame is in
// it; ok is false, and the round over, when nothing was queued.
func (s *socket) take(buf []byte) (out []byte, last, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasWork() {
		s.flushing = false
		return buf, false, false
	}
	buf = append(buf, s.pending...)
	last = s.lastPend
	s.pending, s.lastPend = nil, false
	for _, c := range s.ctrl {
		buf = append(buf, c...)
	}
	for _, f := range s.queue {
		buf = appendTextHeader(buf, len(f))
		buf = append(buf, f...)
	}
	clear(s.queue)
	s.queue, s.ctrl = s.queue[:0], nil
	if s.closing && !s.done {
		buf = append(buf, s.close...)
		s.done, last = true, true
	}
	return buf, last, true
}

// halfClose ends our side after the close frame and gives the client a
// moment to answer before the reader gives up.
func (s *socket) halfClose() {
	if tc, ok := s.conn.(interface{ CloseWrite() error }); ok { // *net.TCPConn, fdConn
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
