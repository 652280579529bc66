package gopool

import (
	"sync"
	"sync/atomic"
	"time"
)

// IdleFor is how long a goroutine stays parked without being handed a
// function before it exits: long enough to carry a hot path's
// goroutines across its bursts (a commit waking a few hundred chats
// every few milliseconds), short enough that a quiet node holds none of
// their stacks for long. An idle goroutine exits between IdleFor and
// twice IdleFor after its last function.
const IdleFor = time.Second

// Pool runs functions on reused goroutines (see the package doc). Its
// zero value is not usable: make one with New. Safe for concurrent use.
type Pool struct {
	mu sync.Mutex
	// ready are the parked goroutines, the most recently parked last:
	// Go hands a function to the last one (its stack is the most likely
	// to be in cache, and the ones at the bottom are the ones to expire).
	ready                    []*worker
	stopped                  bool
	maxIdle                  int
	idle                     atomic.Int32 // len(ready), read without the lock by Idle
	trim                     *time.Timer  // armed while ready is not empty
	armed                    bool
	started, reused, expired atomic.Uint64
}

// Stats counts how a pool ran its functions.
type Stats struct {
	// Started is how many goroutines Go started (no goroutine was
	// parked); Reused how many functions went to a parked one.
	Started, Reused uint64
	// Expired is how many parked goroutines exited after IdleFor unused.
	Expired uint64
}

// worker is one pooled goroutine: while it is parked, Go sends it the
// next function (nil: exit) on hand, which holds one so that the
// sender never waits.
type worker struct {
	hand     chan func()
	parkedAt time.Time
}

// New returns a pool that keeps at most maxIdle goroutines parked (at
// least 1). Once stop is closed, parked goroutines exit and every later
// call gets a goroutine of its own.
func New(maxIdle int, stop <-chan struct{}) *Pool {
	p := &Pool{maxIdle: max(maxIdle, 1)}
	p.trim = time.AfterFunc(IdleFor, p.expire)
	p.trim.Stop()
	go p.stopOn(stop)
	return p
}

// Go runs fn on the most recently parked goroutine, or on a new one; it
// never waits. It reports whether a parked goroutine took fn.
func (p *Pool) Go(fn func()) (reused bool) {
	p.mu.Lock()
	n := len(p.ready)
	if n == 0 {
		p.mu.Unlock()
		p.started.Add(1)
		go p.run(&worker{hand: make(chan func(), 1)}, fn)
		return false
	}
	w := p.ready[n-1]
	p.ready[n-1] = nil
	p.ready = p.ready[:n-1]
	p.idle.Store(int32(n - 1))
	p.mu.Unlock()
	p.reused.Add(1)
	w.hand <- fn
	return true
}

// Idle is how many goroutines are parked.
func (p *Pool) Idle() int { return int(p.idle.Load()) }

// Stats is the pool's counters so far (for metrics).
func (p *Pool) Stats() Stats {
	return Stats{Started: p.started.Load(), Reused: p.reused.Load(), Expired: p.expired.Load()}
}

// run runs fn, then the functions handed to it while it may park.
func (p *Pool) run(w *worker, fn func()) {
	for fn != nil && p.park(w, fn) {
		fn = wait(w)
	}
}

// park runs fn, then puts w on the ready list, unless maxIdle goroutines
// are parked already or the pool stopped (w's goroutine then exits).
func (p *Pool) park(w *worker, fn func()) bool {
	fn()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || len(p.ready) >= p.maxIdle {
		return false
	}
	w.parkedAt = time.Now()
	p.ready = append(p.ready, w)
	p.idle.Store(int32(len(p.ready)))
	if !p.armed {
		p.armed = true
		p.trim.Reset(IdleFor)
	}
	return true
}

// expire makes the goroutines parked for IdleFor or longer exit; it runs
// on the trim timer, every IdleFor while any goroutine is parked.
func (p *Pool) expire() {
	p.mu.Lock()
	cutoff := time.Now().Add(-IdleFor)
	k := 0
	for k < len(p.ready) && p.ready[k].parkedAt.Before(cutoff) {
		k++
	}
	old := p.evict(k)
	if p.armed = len(p.ready) > 0; p.armed {
		p.trim.Reset(IdleFor)
	}
	p.mu.Unlock()
	p.expired.Add(uint64(len(old)))
	for _, w := range old {
		w.hand <- nil
	}
}

// evict takes the k longest parked goroutines off the ready list and
// returns them. Called with mu held.
func (p *Pool) evict(k int) []*worker {
	if k == 0 {
		return nil
	}
	old := make([]*worker, k)
	copy(old, p.ready[:k])
	n := copy(p.ready, p.ready[k:])
	clear(p.ready[n:])
	p.ready = p.ready[:n]
	p.idle.Store(int32(n))
	return old
}

// stopOn makes every parked goroutine exit once stop is closed, and every
// goroutine that finishes later exit instead of parking.
func (p *Pool) stopOn(stop <-chan struct{}) {
	<-stop
	p.mu.Lock()
	p.stopped = true
	old := p.evict(len(p.ready))
	p.trim.Stop()
	p.armed = false
	p.mu.Unlock()
	for _, w := range old {
		w.hand <- nil
	}
}
