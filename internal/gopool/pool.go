package gopool

import "sync/atomic"

// Pool runs functions on reused goroutines (see the package doc). Its
// zero value is not usable: make one with New. Safe for concurrent use.
type Pool struct {
	hand    chan func()
	stop    <-chan struct{}
	maxIdle int32
	idle    atomic.Int32
}

// New returns a pool that keeps at most maxIdle goroutines parked (at
// least 1). Once stop is closed, parked goroutines exit and every later
// call gets a goroutine of its own.
func New(maxIdle int, stop <-chan struct{}) *Pool {
	return &Pool{hand: make(chan func()), stop: stop, maxIdle: int32(max(maxIdle, 1))}
}

// Go runs fn on a parked goroutine, or on a new one; it never waits. It
// reports whether a parked goroutine took fn.
func (p *Pool) Go(fn func()) (reused bool) {
	select {
	case p.hand <- fn:
		return true
	default:
		go p.run(fn)
		return false
	}
}

// Idle is how many goroutines are parked.
func (p *Pool) Idle() int { return int(p.idle.Load()) }

// run runs fn, then the functions handed to it while it may park.
func (p *Pool) run(fn func()) {
	for {
		fn()
		if p.idle.Add(1) > p.maxIdle {
			p.idle.Add(-1)
			return
		}
		select {
		case fn = <-p.hand:
			p.idle.Add(-1)
		case <-p.stop:
			p.idle.Add(-1)
			return
		}
	}
}
