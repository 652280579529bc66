package gopool

import (
	"sync"
	"testing"
	"time"
)

// waitIdle waits until n goroutines are parked.
func waitIdle(t *testing.T, p *Pool, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); p.Idle() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines parked, want %d", p.Idle(), n)
		}
	}
}

// TestGoReusesAParkedGoroutine: calls made one after another run on the
// goroutine that parked after the first.
func TestGoReusesAParkedGoroutine(t *testing.T) {
	p := New(4, make(chan struct{}))
	reused := 0
	for range 20 {
		done := make(chan struct{})
		if p.Go(func() { close(done) }) {
			reused++
		}
		<-done
		waitIdle(t, p, 1)
	}
	if reused != 19 {
		t.Fatalf("%d of 20 calls reused a goroutine, want 19", reused)
	}
}

// TestGoNeverQueuesBehindABlockedCall: a call that blocks holds up its own
// goroutine only; the next call runs at once on another.
func TestGoNeverQueuesBehindABlockedCall(t *testing.T) {
	p := New(4, make(chan struct{}))
	release, blocked := make(chan struct{}), make(chan struct{})
	p.Go(func() { close(blocked); <-release })
	<-blocked
	done := make(chan struct{})
	p.Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a call waited behind a blocked one")
	}
	close(release)
}

// TestAtMostMaxIdleParkAndNoneAfterStop: however many calls ran at once,
// at most maxIdle goroutines stay parked; once stop is closed none does,
// and later calls still run.
func TestAtMostMaxIdleParkAndNoneAfterStop(t *testing.T) {
	stop := make(chan struct{})
	p := New(8, stop)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		p.Go(func() { wg.Done(); <-release })
	}
	wg.Wait() // all 20 run at once, each on its own goroutine
	close(release)
	waitIdle(t, p, 8)
	close(stop)
	waitIdle(t, p, 0)
	done := make(chan struct{})
	p.Go(func() { close(done) })
	<-done
}
