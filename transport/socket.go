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
//
// An idle socket is small (issue #17: 64 bytes): what every socket of a
// server shares is in one socketConfig, the owner is one interface value
// instead of two closures, the descriptor's syscall.RawConn is asked of
// conn when needed, the flags are one byte, and the queues, the
// leftovers and the close frame live in an outbox made by the first frame
// that has to wait (a reply written at once makes none).
type socket struct {
	// conn is a syscall.Conn whose SyscallConn neither allocates nor
	// fails when the nonBlocking flag is set (newSocket); without it, no
	// non-blocking writes, always a flush goroutine.
	conn  net.Conn
	cfg   *socketConfig
	owner socketOwner
	mu    sync.Mutex
	state sockState
	out   *outbox // nil until a frame has to wait
}

// socketConfig is what every socket of a server shares.
type socketConfig struct {
	pool    *writerPool // nil: a flush goroutine per round
	max     int         // the outbound queue's bound
	timeout time.Duration
	// direct: the sender writes an idle socket itself, bulk frames too
	// (DirectWrites; only sockets with a descriptor).
	direct bool
	// queueReplies leaves replies to the pool as well, as before direct
	// replies (tests of the pool's order of rounds).
	queueReplies bool
}

// socketOwner is told when a socket's write fails (the connection ends)
// and when its close frame is written and the write side shut.
type socketOwner interface {
	writeFailed(reason string)
	closeSent()
}

// sockState is a socket's flags.
type sockState uint8

const (
	flushing    sockState = 1 << iota // one writer owns the socket
	urgent                            // a reply was queued while a round ran: the next round is a reply's
	closing                           // the close frame is queued (or the socket aborted)
	done                              // the close frame is taken (or the socket aborted)
	lastPend                          // pending ends with the close frame
	nonBlocking                       // conn has a descriptor to write without blocking (raw)
)

// newSocket makes conn's socket. A *net.TCPConn is wrapped with its
// RawConn, made once (its SyscallConn allocates one per call); an fdConn
// makes its RawConn for free.
func newSocket(conn net.Conn, cfg *socketConfig, owner socketOwner) *socket {
	s := &socket{conn: conn, cfg: cfg, owner: owner}
	if tc, ok := conn.(*net.TCPConn); ok {
		raw, err := tc.SyscallConn()
		if err != nil {
			return s
		}
		s.conn = &tcpRawConn{TCPConn: tc, raw: raw}
	}
	if sc, ok := s.conn.(syscall.Conn); ok {
		if _, err := sc.SyscallConn(); err == nil {
			s.state |= nonBlocking
		}
	}
	return s
}

// tcpRawConn is a *net.TCPConn with its RawConn made once.
type tcpRawConn struct {
	*net.TCPConn
	raw syscall.RawConn
}

func (c *tcpRawConn) SyscallConn() (syscall.RawConn, error) { return c.raw, nil }

// raw is conn's RawConn; only with the nonBlocking flag.
func (s *socket) raw() syscall.RawConn {
	r, _ := s.conn.(syscall.Conn).SyscallConn()
	return r
}

// outbox is what waits to be written; made on first use, kept after.
type outbox struct {
	queue   [][]byte
	ctrl    [][]byte
	pending []byte // framed bytes a write left over
	close   []byte
	reason  string
}

func (s *socket) is(f sockState) bool { return s.state&f != 0 }

func (s *socket) set(f sockState, on bool) {
	if on {
		s.state |= f
	} else {
		s.state &^= f
	}
}

// box returns the outbox, made if need be. Called with mu held.
func (s *socket) box() *outbox {
	if s.out == nil {
		s.out = &outbox{}
	}
	return s.out
}

// queued is the number of data frames waiting. Called with mu held.
func (s *socket) queued() int {
	if s.out == nil {
		return 0
	}
	return len(s.out.queue)
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
	case s.is(closing | done):
		s.mu.Unlock()
		return actors.ErrSocketClosed
	case s.queued()+len(frames) > s.cfg.max:
		s.mu.Unlock()
		return actors.ErrQueueFull
	case s.is(flushing) || !s.writesDirect(bulk):
		b := s.box()
		b.queue = append(b.queue, frames...)
		s.kickAs(bulk)
		s.mu.Unlock()
		return nil
	}
	s.state |= flushing // this caller is the writer until it hands over
	s.mu.Unlock()
	rest, err := writeFrames(s.raw(), frames)
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
	raw := s.is(nonBlocking)
	direct := s.cfg.direct && raw
	if bulk || s.cfg.queueReplies {
		return direct
	}
	return direct || (raw && s.cfg.pool != nil)
}

// handOver ends a direct write: leftovers go to a flush goroutine, anything
// queued meanwhile to a writer.
func (s *socket) handOver(rest []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rest != nil {
		s.box().pending = rest
	} else if s.out != nil {
		s.out.pending = nil
	}
	switch {
	case rest != nil:
		go s.flush()
	case s.hasWork():
		s.startRound(s.takeUrgent())
	default:
		s.state &^= flushing
	}
}

// control queues a control frame (ping, pong), ahead of data frames.
func (s *socket) control(op ws.OpCode, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.is(closing | done) {
		return
	}
	b := s.box()
	b.ctrl = append(b.ctrl, frameBytes(op, payload))
	s.kick()
}

// Close queues final after what is queued, then a close frame; the socket
// stops reading shortly after (see actors.Socket).
func (s *socket) Close(final []byte, code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.is(closing | done) {
		return
	}
	if final != nil {
		b := s.box()
		b.queue = append(b.queue, final)
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
	case s.is(done):
		return true
	case s.is(closing):
		return false // the server's close frame is on its way: it is the answer
	}
	s.closeWith(echo, "client closed")
	return false
}

// closeWith queues a close frame of body after everything queued. Called
// with mu held.
func (s *socket) closeWith(body []byte, reason string) {
	b := s.box()
	s.state |= closing
	b.reason = reason
	b.close = frameBytes(ws.OpClose, body)
	s.kick()
}

// kick starts a reply's write round if none runs. Called with mu held.
func (s *socket) kick() { s.kickAs(false) }

// kickAs starts a write round, bulk or a reply's, if none runs; a reply
// queued while one runs makes the next round a reply's. Called with mu
// held.
func (s *socket) kickAs(bulk bool) {
	if s.is(flushing) {
		if !bulk {
			s.state |= urgent
		}
		return
	}
	s.state |= flushing
	s.startRound(!bulk)
}

// takeUrgent reports and clears whether a reply waits. Called with mu
// held.
func (s *socket) takeUrgent() bool {
	u := s.is(urgent)
	s.state &^= urgent
	return u
}

// startRound gives the round to a pool writer when the socket can be
// written without blocking (urgent: ahead of bulk rounds), else to a
// flush goroutine. Called with mu held by the owner of flushing.
func (s *socket) startRound(urgent bool) {
	if s.cfg.pool != nil && s.is(nonBlocking) && s.cfg.pool.schedule(s, urgent) {
		return
	}
	go s.flush()
}

// hasWork reports whether anything waits to be written. Called with mu held.
func (s *socket) hasWork() bool {
	if s.state&(closing|done) == closing {
		return true
	}
	b := s.out
	return b != nil && (len(b.queue) > 0 || len(b.ctrl) > 0 || b.pending != nil)
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
	n, err := write1(s.raw(), buf)
	switch {
	case err != nil:
		s.abort("write failed")
	case n < len(buf):
		s.mu.Lock()
		s.box().pending = append([]byte(nil), buf[n:]...)
		s.set(lastPend, last)
		s.mu.Unlock()
		go s.flush()
	case last:
		s.halfClose()
	default:
		s.mu.Lock()
		if s.hasWork() {
			s.startRound(s.takeUrgent())
		} else {
			s.state &^= flushing
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
	s.mu.Lock()
	nonBlock := s.is(nonBlocking) // state shares its byte with flags written under mu
	s.mu.Unlock()
	for {
		buf, last, ok := s.take((*bp)[:0])
		*bp = buf
		if !ok {
			return
		}
		_ = s.conn.SetWriteDeadline(time.Now().Add(s.cfg.timeout))
		_, err := s.conn.Write(buf)
		if err != nil {
			s.abort("write failed")
			return
		}
		if nonBlock { // pool writers use the descriptor without deadlines
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
		s.state &^= flushing
		return buf, false, false
	}
	b := s.out // hasWork: made
	buf = append(buf, b.pending...)
	last = s.is(lastPend)
	b.pending = nil
	s.state &^= lastPend
	for _, c := range b.ctrl {
		buf = append(buf, c...)
	}
	for _, f := range b.queue {
		buf = appendTextHeader(buf, len(f))
		buf = append(buf, f...)
	}
	clear(b.queue)
	b.queue, b.ctrl = b.queue[:0], nil
	if s.state&(closing|done) == closing {
		buf = append(buf, b.close...)
		s.state |= done
		last = true
	}
	return buf, last, true
}

// halfClose ends our side after the close frame and gives the client a
// moment to answer before the reader gives up.
func (s *socket) halfClose() {
	if tc, ok := s.conn.(interface{ CloseWrite() error }); ok { // *net.TCPConn, fdConn
		_ = tc.CloseWrite()
	}
	s.owner.closeSent()
}

func (s *socket) abort(reason string) {
	s.mu.Lock()
	s.state |= done | closing
	if s.out != nil {
		s.out.queue = nil
	}
	s.mu.Unlock()
	s.owner.writeFailed(reason)
}

// trim gives back the outbox of a socket with nothing to write: an idle
// connection that was pinged or sent to once holds no queue (the
// keepalive sweep calls it, so a busy socket makes its outbox again at
// most once a sweep).
func (s *socket) trim() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out != nil && s.state&(flushing|closing|done) == 0 && !s.hasWork() {
		s.out = nil
	}
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
	if s.out == nil {
		return ""
	}
	return s.out.reason
}
