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
// The ready list holds each socket at most once, so it is bounded by the
// open connections. Sockets are served in the order they became ready;
// one that has more queued after its round goes to the back.
type writerPool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	ready   []*socket
	head    int
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

// schedule hands s, whose caller owns its flushing flag, to a writer. It
// reports false once the pool is stopped: the caller writes s itself.
func (p *writerPool) schedule(s *socket) bool {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return false
	}
	p.ready = append(p.ready, s)
	p.mu.Unlock()
	p.cond.Signal()
	return true
}

// next waits for a ready socket; nil once stopped and empty.
func (p *writerPool) next() *socket {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.head == len(p.ready) {
		if p.stopped {
			return nil
		}
		p.ready, p.head = p.ready[:0], 0
		p.cond.Wait()
	}
	s := p.ready[p.head]
	p.ready[p.head] = nil
	p.head++
	return s
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
