//go:build linux

package transport

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/linkup-chat/linkup/internal/gopool"
	"github.com/linkup-chat/linkup/internal/gopool/lend"
	"golang.org/x/sys/unix"
)

// epoller is the Linux poller: one epoll instance for every connection of
// the server. Registrations are one-shot and level-triggered: a connection
// fires once, is read by one goroutine, and fires again after rearm if
// data is still waiting.
//
// One goroutine at a time holds the leader's role and waits in epoll_wait
// (leader/follower). When it returns with ready connections it reads them
// itself, one after another, then waits again: a frame costs the wake-up
// from epoll_wait only, where handing it to a reader cost a second
// goroutine (and OS thread) wake-up on every frame (issue #17). While the
// leader reads, nobody waits in epoll: when its reads run past leadFor (a
// frame half arrived, waiting in fdConn's waiter; a long chat run lent
// the reader; many connections ready at once) a watchdog hands the
// connections it has not read yet to reader goroutines and the role to a
// pooled goroutine, and the old leader finishes its read as a plain
// reader. So a slow or partial frame delays the others by leadFor at
// most, and never blocks the loop.
type epoller struct {
	epfd   int
	ready  func(*wsConn)
	mu     sync.RWMutex
	conns  map[uint64]*wsConn
	next   atomic.Uint64
	closed atomic.Bool
	// readers run the leader and the reads it hands over, on reused
	// goroutines: a fresh goroutine per ready event grew its stack by
	// copying it 2–3 times while the frame was decoded and handled in
	// place (connection actor, chat send), 7–10 % of the server's CPU in
	// chats (issue #17).
	readers *gopool.Pool
	stop    chan struct{}
	// evs is the leader's event buffer; it passes with the role (the
	// leader is done with it before its own read).
	evs []unix.EpollEvent
	// reading is the token of the leader's own read in progress; 0 while
	// the leader waits in epoll_wait. Whoever swaps it to 0 holds the role
	// next: the leader when its read ends, or the watchdog.
	reading atomic.Uint64
	seq     atomic.Uint64
	watch   *time.Timer
	// queue holds the connections the leader found ready and reads one
	// after another; qnext is the next to read. The watchdog hands what is
	// left to readers.
	qmu   sync.Mutex
	queue []*wsConn
	qnext int
	stats pollStats
}

// pollStats counts how ready connections were read: by the leader that
// returned from epoll_wait (no hand-off), handed to a reader, and how
// often the watchdog passed the role on.
type pollStats struct {
	own, handed, promoted atomic.Uint64
}

// maxIdleReaders bounds the reader goroutines kept parked between reads.
// The watchdog hands every connection the leader has not read yet to a
// reader at once (up to len(evs)), so reads come in bursts: with 64
// parked, 37 % of hand-offs in the chats load started a goroutine whose
// fresh stack then grew by copying. Each parked reader keeps a stack of
// at most gopool.KeepStack (16 KB) and exits after gopool.IdleFor unused:
// at most 256 × 16 KB = 4 MB while such bursts keep coming, none idle.
const maxIdleReaders = 256

// leadFor is how long the leader reads one connection before its role
// passes to another goroutine: far more than a whole frame's read and
// handling takes (~10–50 µs), far less than a client would notice.
const leadFor = 200 * time.Microsecond

const epollFlags = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func newPoller(ready func(*wsConn)) (poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &epoller{epfd: fd, ready: ready, conns: map[uint64]*wsConn{}, stop: make(chan struct{}),
		evs: make([]unix.EpollEvent, 256)}
	p.readers = gopool.New(maxIdleReaders, p.stop)
	p.watch = time.AfterFunc(time.Hour, p.promote)
	p.watch.Stop()
	p.readers.Go(p.lead)
	return p, nil
}

// lead waits for ready connections and reads them while it holds the
// leader's role; it returns when the role passed on during its reads
// (the goroutine then parks as a reader) or the poller closed.
func (p *epoller) lead() {
	for !p.closed.Load() {
		n, err := unix.EpollWait(p.epfd, p.evs, 500)
		if errors.Is(err, unix.EINTR) || n <= 0 && err == nil {
			continue
		}
		if err != nil {
			return
		}
		if !p.readOwn(p.evs[:n]) {
			return
		}
	}
}

// readOwn reads the ready connections one after another on the leader,
// with the watchdog armed; it reports whether the leader still holds its
// role after them.
func (p *epoller) readOwn(evs []unix.EpollEvent) bool {
	tok := p.seq.Add(1)
	p.qmu.Lock()
	p.queue, p.qnext = p.queue[:0], 0
	for _, ev := range evs {
		if c := p.lookup(eventID(ev)); c != nil {
			p.queue = append(p.queue, c)
		}
	}
	p.qmu.Unlock()
	p.reading.Store(tok)
	p.watch.Reset(leadFor)
	for c := p.nextOwn(tok); c != nil; c = p.nextOwn(tok) {
		p.stats.own.Add(1)
		p.read(c)
	}
	if !p.reading.CompareAndSwap(tok, 0) {
		return false // the watchdog passed the role on; the timer is the new leader's
	}
	p.watch.Stop()
	return true
}

// nextOwn is the leader's next connection to read, nil once none is left
// or the watchdog took the rest (the leader's token is gone).
func (p *epoller) nextOwn(tok uint64) *wsConn {
	p.qmu.Lock()
	defer p.qmu.Unlock()
	if p.qnext == len(p.queue) || p.reading.Load() != tok {
		return nil
	}
	c := p.queue[p.qnext]
	p.queue[p.qnext], p.qnext = nil, p.qnext+1
	return c
}

// promote is the watchdog: the leader's reads ran past leadFor, so the
// connections it has not read yet go to readers and the role to a pooled
// goroutine. A late firing after those reads ended may promote during the
// leader's next ones: a few hand-offs more, no harm.
func (p *epoller) promote() {
	tok := p.reading.Load()
	if tok == 0 || !p.reading.CompareAndSwap(tok, 0) {
		return
	}
	p.stats.promoted.Add(1)
	p.qmu.Lock()
	for ; p.qnext < len(p.queue); p.qnext++ {
		c := p.queue[p.qnext]
		p.queue[p.qnext] = nil
		p.stats.handed.Add(1)
		p.readers.Go(func() { p.read(c) })
	}
	p.qmu.Unlock()
	p.readers.Go(p.lead)
}

// read reads c on a goroutine lending itself (internal/gopool/lend): a
// chat the frame was posted to, idle until then, runs its mailbox here
// after the frame, once c is re-armed, instead of on a runner woken for it.
func (p *epoller) read(c *wsConn) {
	loan := lend.Offer()
	defer loan.Settle()
	p.ready(c)
}

// eventID is the connection id an event was registered with (see ctl).
func eventID(ev unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

func (p *epoller) lookup(id uint64) *wsConn {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.conns[id]
}

func (p *epoller) add(c *wsConn) error {
	fd, err := rawFD(c)
	if err != nil {
		return err
	}
	c.pollID, c.pollFD = p.next.Add(1), int32(fd)
	p.mu.Lock()
	p.conns[c.pollID] = c
	p.mu.Unlock()
	return p.ctl(unix.EPOLL_CTL_ADD, c)
}

func (p *epoller) rearm(c *wsConn) error { return p.ctl(unix.EPOLL_CTL_MOD, c) }

func (p *epoller) ctl(op int, c *wsConn) error {
	ev := unix.EpollEvent{Events: epollFlags, Fd: int32(uint32(c.pollID)), Pad: int32(uint32(c.pollID >> 32))}
	return unix.EpollCtl(p.epfd, op, int(c.pollFD), &ev)
}

func (p *epoller) remove(c *wsConn) {
	p.mu.Lock()
	_, ok := p.conns[c.pollID]
	delete(p.conns, c.pollID)
	p.mu.Unlock()
	if ok {
		_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(c.pollFD), nil)
	}
}

func (p *epoller) close() {
	if p.closed.CompareAndSwap(false, true) {
		p.watch.Stop()
		close(p.stop)
		_ = unix.Close(p.epfd)
	}
}

// rawFD returns the connection's file descriptor; the connection keeps
// owning it.
func rawFD(c *wsConn) (int, error) {
	sc, ok := c.conn().(syscall.Conn)
	if !ok {
		return 0, errors.New("transport: connection has no file descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd int
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return 0, err
	}
	return fd, nil
}
