//go:build linux

package transport

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fdConn is an upgraded WebSocket's TCP connection as its bare file
// descriptor. Go's net.TCPConn costs an idle connection about 650 bytes
// (its netFD, two TCPAddrs and a sockaddr on the heap; its runtime
// pollDesc, ~300 bytes outside the heap that the runtime never returns,
// and a finalizer record), where the connection is already watched by the
// server's own epoll (netpoll_linux.go): fdConn is 64 bytes (issue #17).
//
// Reads and writes are non-blocking system calls. One that would block
// (a frame half arrived, a full send buffer: rare) waits for the
// descriptor in the package's fdWaiter, bounded by the deadline set, and
// fails with os.ErrDeadlineExceeded (a net.Error whose Timeout is true)
// when it passes, as net.Conn does. Close wakes a waiting call; the
// descriptor is closed once no call uses it any more, so its number is
// never reused under a call still running. Safe for concurrent use.
type fdConn struct {
	fd  int
	rdl atomic.Int64 // read deadline, unix ns; 0: none
	wdl atomic.Int64 // write deadline
	// use is the number of calls using fd, with fdClosed set by Close:
	// one atomic add per call and one at its end, instead of a mutex
	// taken twice around every read and write (the socket's reader and
	// writers run on different cores).
	use  atomic.Int64
	mu   sync.Mutex    // guards done
	done chan struct{} // closed by Close; made by the first wait
}

// fdClosed is fdConn.use's closed bit, above any count of calls.
const fdClosed = int64(1) << 62

var (
	_ net.Conn        = (*fdConn)(nil)
	_ syscall.Conn    = (*fdConn)(nil)
	_ syscall.RawConn = (*fdRaw)(nil)
)

// detachFD moves tc's socket to an fdConn: the descriptor is duplicated
// and tc closed (its pollDesc goes back to the runtime's cache for the
// next connection). On any error tc is returned unchanged.
func detachFD(tc *net.TCPConn) net.Conn {
	rc, err := tc.SyscallConn()
	if err != nil {
		return tc
	}
	nfd := -1
	var derr error
	if err := rc.Control(func(fd uintptr) { nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil || derr != nil {
		return tc
	}
	_ = tc.Close() // the duplicate keeps the socket open, non-blocking as Go left it
	return &fdConn{fd: nfd}
}

// acquire counts a call using fd; false once closed (a closed fdConn's
// count never goes up again, so only one of Close and the last release
// sees it closed with no call left).
func (f *fdConn) acquire() bool {
	for {
		u := f.use.Load()
		if u&fdClosed != 0 {
			return false
		}
		if f.use.CompareAndSwap(u, u+1) {
			return true
		}
	}
}

// release ends a call; the last one after Close closes fd.
func (f *fdConn) release() {
	if f.use.Add(-1) == fdClosed {
		_ = unix.Close(f.fd)
	}
}

// Read reads what is there, waiting (up to the read deadline) when
// nothing is.
func (f *fdConn) Read(b []byte) (int, error) {
	if !f.acquire() {
		return 0, net.ErrClosed
	}
	defer f.release()
	for {
		n, err := unix.Read(f.fd, b)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := f.wait(false, f.rdl.Load()); err != nil {
				return 0, err
			}
			continue
		case err != nil:
			return 0, os.NewSyscallError("read", err)
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes all of b, waiting (up to the write deadline) while the
// send buffer is full.
func (f *fdConn) Write(b []byte) (int, error) {
	if !f.acquire() {
		return 0, net.ErrClosed
	}
	defer f.release()
	done := 0
	for done < len(b) {
		n, err := unix.Write(f.fd, b[done:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := f.wait(true, f.wdl.Load()); err != nil {
				return done, err
			}
			continue
		case err != nil:
			return done, os.NewSyscallError("write", err)
		}
		done += n
	}
	return done, nil
}

// wait blocks until fd is readable (or writable), deadline (unix ns; 0:
// none) passes, or Close.
func (f *fdConn) wait(out bool, deadline int64) error {
	f.mu.Lock()
	if f.use.Load()&fdClosed != 0 {
		f.mu.Unlock()
		return net.ErrClosed
	}
	if f.done == nil {
		f.done = make(chan struct{})
	}
	done := f.done
	f.mu.Unlock()
	var timeout <-chan time.Time
	if deadline != 0 {
		d := time.Until(time.Unix(0, deadline))
		if d <= 0 {
			return os.ErrDeadlineExceeded
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	return waiter().wait(f.fd, out, timeout, done)
}

// Close closes the connection: waiting calls return net.ErrClosed, and
// the descriptor is closed when the last call using it returns.
func (f *fdConn) Close() error {
	f.mu.Lock()
	old := f.use.Or(fdClosed)
	if old&fdClosed != 0 {
		f.mu.Unlock()
		return net.ErrClosed
	}
	if f.done != nil {
		close(f.done)
	}
	f.mu.Unlock()
	if old == 0 { // no call uses fd: close it now, else the last release does
		return unix.Close(f.fd)
	}
	return nil
}

// CloseWrite shuts down the sending side (after the close frame).
func (f *fdConn) CloseWrite() error {
	if !f.acquire() {
		return net.ErrClosed
	}
	defer f.release()
	return unix.Shutdown(f.fd, unix.SHUT_WR)
}

// LocalAddr and RemoteAddr ask the kernel (nothing is kept per connection).
func (f *fdConn) LocalAddr() net.Addr  { return f.addr(unix.Getsockname) }
func (f *fdConn) RemoteAddr() net.Addr { return f.addr(unix.Getpeername) }

func (f *fdConn) addr(get func(int) (unix.Sockaddr, error)) net.Addr {
	if !f.acquire() {
		return nil
	}
	defer f.release()
	sa, err := get(f.fd)
	if err != nil {
		return nil
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: append(net.IP(nil), a.Addr[:]...), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: append(net.IP(nil), a.Addr[:]...), Port: a.Port}
	}
	return nil
}

func (f *fdConn) SetDeadline(t time.Time) error {
	_ = f.SetReadDeadline(t)
	return f.SetWriteDeadline(t)
}

func (f *fdConn) SetReadDeadline(t time.Time) error  { f.rdl.Store(unixNano(t)); return nil }
func (f *fdConn) SetWriteDeadline(t time.Time) error { f.wdl.Store(unixNano(t)); return nil }

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// SyscallConn gives the descriptor to the socket's non-blocking writes
// (socket_writev_unix.go) and to the server's poller.
func (f *fdConn) SyscallConn() (syscall.RawConn, error) { return (*fdRaw)(f), nil }

// fdRaw is fdConn's syscall.RawConn.
type fdRaw fdConn

func (r *fdRaw) Control(fn func(fd uintptr)) error {
	f := (*fdConn)(r)
	if !f.acquire() {
		return net.ErrClosed
	}
	defer f.release()
	fn(uintptr(f.fd))
	return nil
}

func (r *fdRaw) Read(fn func(fd uintptr) bool) error { return r.io(false, fn) }

func (r *fdRaw) Write(fn func(fd uintptr) bool) error { return r.io(true, fn) }

// io calls fn until it reports done, waiting for the descriptor between
// calls (up to the deadline), as net's RawConn does.
func (r *fdRaw) io(out bool, fn func(fd uintptr) bool) error {
	f := (*fdConn)(r)
	if !f.acquire() {
		return net.ErrClosed
	}
	defer f.release()
	for !fn(uintptr(f.fd)) {
		deadline := f.rdl.Load()
		if out {
			deadline = f.wdl.Load()
		}
		if err := f.wait(out, deadline); err != nil {
			return err
		}
	}
	return nil
}

// fdWaiter wakes the calls waiting for a descriptor: one epoll instance
// for reads and one for writes (a descriptor may wait for both at once),
// each registration one-shot and removed after the wait.
type fdWaiter struct {
	in, out waitSet
}

type waitSet struct {
	epfd   int
	events uint32
	mu     sync.Mutex
	chans  map[int32]chan struct{}
}

var (
	waiterOnce sync.Once
	theWaiter  *fdWaiter
	errWaiter  error
)

// waiter returns the process's fdWaiter, started on first use.
func waiter() *fdWaiter {
	waiterOnce.Do(func() {
		w := &fdWaiter{}
		if errWaiter = w.in.start(unix.EPOLLIN | unix.EPOLLRDHUP); errWaiter != nil {
			return
		}
		if errWaiter = w.out.start(unix.EPOLLOUT); errWaiter != nil {
			return
		}
		theWaiter = w
	})
	return theWaiter
}

func (s *waitSet) start(events uint32) error {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	s.epfd, s.events, s.chans = fd, events|unix.EPOLLONESHOT, map[int32]chan struct{}{}
	go s.run()
	return nil
}

func (s *waitSet) run() {
	evs := make([]unix.EpollEvent, 64)
	for {
		n, err := unix.EpollWait(s.epfd, evs, -1)
		if err != nil && err != unix.EINTR {
			return
		}
		s.mu.Lock()
		for _, ev := range evs[:max(n, 0)] {
			if ch := s.chans[ev.Fd]; ch != nil {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
		s.mu.Unlock()
	}
}

// wait blocks until fd is ready for out (or in), timeout fires, or done
// closes.
func (w *fdWaiter) wait(fd int, out bool, timeout <-chan time.Time, done <-chan struct{}) error {
	if w == nil {
		return errors.Join(errNoWaiter, errWaiter)
	}
	s := &w.in
	if out {
		s = &w.out
	}
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.chans[int32(fd)] = ch
	s.mu.Unlock()
	ev := unix.EpollEvent{Events: s.events, Fd: int32(fd)}
	err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
	if err == nil {
		select {
		case <-ch:
		case <-timeout:
			err = os.ErrDeadlineExceeded
		case <-done:
			err = net.ErrClosed
		}
		_ = unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	}
	s.mu.Lock()
	delete(s.chans, int32(fd))
	s.mu.Unlock()
	return err
}

var errNoWaiter = errors.New("transport: no epoll to wait for a descriptor")
