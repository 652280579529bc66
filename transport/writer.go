package transport

import (
	"runtime"
	"sync"
)

// writerPool is the server's set of long-lived writer goroutines. A socket
// with frames queued is put on the ready list once (socket.flushing marks
// it taken); a writer takes it, copies everything the socket has queued,
// across chats, into the writer's own buffer and writes it with one
// non-blocking write, so a round costs one system call and no goroutine
// start, no timer and no deadline. A socket whose kernel buffer is full
// goes to a blocking flush goroutine of its own (socket.flush, with the
// write timeout) until it drains, so a slow client never holds a writer.
//
// The ready lists hold each socket at most once, so they are bounded by
// the open connections. Sockets with a reply queued (an ack, an error, a
// control frame) are served first, then bulk ones (a chat's fan-out,
// socket.SendBulk), each list in the order its sockets became ready; one
// that has more queued after its round goes to the back.
type writerPool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	urgent  readyList
	ready   readyList
	stopped bool
	wg      sync.WaitGroup
}

// newWriterPool starts n writers (n ≤ 0: one per GOMAXPROCS).
func newWriterPool(n int) *writerPool {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p := &writerPool{}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(n)
	for range n {
		go p.run()
	}
	return p
}

// readyList is a FIFO of sockets.
type readyList struct {
	socks []*socket
	head  int
}

func (l *readyList) push(s *socket) { l.socks = append(l.socks, s) }

// pop takes the first socket, or nil.
func (l *readyList) pop() *socket {
	if l.head == len(l.socks) {
		l.socks, l.head = l.socks[:0], 0
		return nil
	}
	s := l.socks[l.head]
	l.socks[l.head] = nil
	l.head++
	return s
}

// schedule hands s, whose caller owns its flushing flag, to a writer,
// ahead of the bulk sockets when urgent. It reports false once the pool
// is stopped: the caller writes s itself.
func (p *writerPool) schedule(s *socket, urgent bool) bool {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return false
	}
	if urgent {
		p.urgent.push(s)
	} else {
		p.ready.push(s)
	}
	p.mu.Unlock()
	p.cond.Signal()
	return true
}

// next waits for a ready socket, urgent ones first; nil once stopped and
// empty.
func (p *writerPool) next() *socket {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if s := p.urgent.pop(); s != nil {
			return s
		}
		if s := p.ready.pop(); s != nil {
			return s
		}
		if p.stopped {
			return nil
		}
		p.cond.Wait()
	}
}

func (p *writerPool) run() {
	defer p.wg.Done()
	buf := make([]byte, 0, 64<<10)
	for s := p.next(); s != nil; s = p.next() {
		buf = s.writeRound(buf[:0])
		if cap(buf) > 1<<20 { // one huge round does not pin a megabyte per writer
			buf = make([]byte, 0, 64<<10)
		}
	}
}

// stop lets the writers finish the ready sockets and exit; later rounds go
// to flush goroutines.
func (p *writerPool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.cond.Broadcast()
	p.wg.Wait()
}
