package gopool

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
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

// deep recurses n frames of ~600 bytes each, so its caller's goroutine
// needs a stack of n × 600 bytes more.
//
//go:noinline
func deep(n int) byte {
	var pad [512]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return pad[0]
	}
	return deep(n-1) + pad[(n*7)%len(pad)]
}

// stackProbe recurses deep and reports where one of its locals was before
// and after: the two differ when the goroutine's stack was copied (grown)
// meanwhile, and a probe run later on the same goroutine, at the same
// depth, finds its local where the last one left it unless the stack
// was copied (shrunk or grown) in between.
//
//go:noinline
func stackProbe(frames int) (before, after uintptr) {
	var x byte
	before = uintptr(unsafe.Pointer(&x))
	x = deep(frames)
	after = uintptr(unsafe.Pointer(&x))
	return before, after
}

// TestParkedGoroutineKeepsItsStackAcrossGC: a goroutine that grew its
// stack to ~12 KB, then parked through two garbage collections, runs the
// same deep call again without its stack being copied: neither shrunk by
// the GC while parked (which halved it, every cycle, before the ballast)
// nor grown again by the call.
func TestParkedGoroutineKeepsItsStackAcrossGC(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	p := New(1, stop)
	probe := func() (before, after uintptr) {
		done := make(chan struct{})
		p.Go(func() { before, after = stackProbe(20); close(done) })
		<-done
		waitIdle(t, p, 1)
		return before, after
	}
	probe() // grows the goroutine's stack to what 20 frames need
	_, warm := probe()
	runtime.GC()
	runtime.GC()
	before, after := probe()
	if before != warm {
		t.Fatalf("the parked goroutine's stack was copied during GC (a local at %#x, was at %#x)", before, warm)
	}
	if after != before {
		t.Fatalf("the deep call grew the reused goroutine's stack again (a local moved from %#x to %#x)", before, after)
	}
}

// goid is the calling goroutine's id, from its stack trace's header.
func goid() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	return strings.Fields(string(buf))[1]
}

// TestGoHandsToTheLastParked: with several goroutines parked, calls made
// one after another all run on the one parked last, so only as many
// goroutines as run at once stay warm and the others can expire.
func TestGoHandsToTheLastParked(t *testing.T) {
	p := New(8, make(chan struct{}))
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		p.Go(func() { wg.Done(); <-release })
	}
	wg.Wait()
	close(release)
	waitIdle(t, p, 4)
	ids := map[string]bool{}
	for range 20 {
		got := make(chan string)
		p.Go(func() { got <- goid() })
		ids[<-got] = true
		waitIdle(t, p, 4)
	}
	if len(ids) != 1 {
		t.Fatalf("20 calls one after another ran on %d goroutines, want 1", len(ids))
	}
}

// TestParkedGoroutinesExpire: goroutines parked for IdleFor exit, so an
// idle pool holds no stacks; one still in use stays.
func TestParkedGoroutinesExpire(t *testing.T) {
	p := New(8, make(chan struct{}))
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		p.Go(func() { wg.Done(); <-release })
	}
	wg.Wait()
	close(release)
	waitIdle(t, p, 3)
	waitIdle(t, p, 0)
	if e := p.Stats().Expired; e != 3 {
		t.Fatalf("%d goroutines expired, want 3", e)
	}
	done := make(chan struct{})
	if p.Go(func() { close(done) }) {
		t.Fatal("a call reused a goroutine that had expired")
	}
	<-done
}
