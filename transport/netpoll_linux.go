//go:build linux

package transport

import (
	"errors"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/linkup-chat/linkup/internal/gopool"
	"github.com/linkup-chat/linkup/internal/gopool/lend"
	"golang.org/x/sys/unix"
)

// epoller is the Linux poller: one epoll instance and one goroutine waiting
// on it for every connection of the server. Registrations are one-shot and
// level-triggered: a connection fires once, is read by one goroutine, and
// fires again after rearm if data is still waiting.
type epoller struct {
	epfd   int
	ready  func(*wsConn)
	mu     sync.RWMutex
	conns  map[uint64]*wsConn
	next   atomic.Uint64
	closed atomic.Bool
	// readers run the reads on reused goroutines: a fresh goroutine per
	// ready event grew its stack by copying it 2–3 times while the frame
	// was decoded and handled in place (connection actor, chat send),
	// 7–10 % of the server's CPU in chats (issue #17).
	readers *gopool.Pool
	stop    chan struct{}
}

// maxIdleReaders bounds the reader goroutines kept parked between reads.
const maxIdleReaders = 64

const epollFlags = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func newPoller(ready func(*wsConn)) (poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &epoller{epfd: fd, ready: ready, conns: map[uint64]*wsConn{}, stop: make(chan struct{})}
	p.readers = gopool.New(maxIdleReaders, p.stop)
	go p.wait()
	return p, nil
}

func (p *epoller) wait() {
	evs := make([]unix.EpollEvent, 256)
	for !p.closed.Load() {
		n, err := unix.EpollWait(p.epfd, evs, 500)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range evs[:n] {
			if c := p.lookup(uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32); c != nil {
				p.readers.Go(func() { p.read(c) })
			}
		}
	}
}

// read reads c on a reader lending itself (internal/gopool/lend): a chat
// the frame was posted to, idle until then, runs its mailbox here after
// the frame, once c is re-armed, instead of on a runner woken for it.
func (p *epoller) read(c *wsConn) {
	loan := lend.Offer()
	defer loan.Settle()
	p.ready(c)
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
		close(p.stop)
		_ = unix.Close(p.epfd)
	}
}

// rawFD returns the connection's file descriptor; the connection keeps
// owning it.
func rawFD(c *wsConn) (int, error) {
	sc, ok := c.conn.(syscall.Conn)
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
