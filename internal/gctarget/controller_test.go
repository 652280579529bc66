package gctarget

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// TestControllerFollowsTheRuntime runs the loop against this process's
// own runtime: quiet (a 16 MB live heap, nothing allocated) the percent
// falls to Min; under a real allocation load it rises to Max; quiet
// again, it falls again. Each time the runtime's own GOGC says the same.
func TestControllerFollowsTheRuntime(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	live := make([][]byte, 256) // 16 MB that stays live
	for i := range live {
		live[i] = make([]byte, 64<<10)
	}
	runtime.GC() // so the live heap is known
	c, err := New(Config{Interval: 50 * time.Millisecond, Window: 4})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	defer func() { cancel(); <-done }()

	waitPercent(t, c, "quiet", DefaultMin)
	var load atomic.Bool
	load.Store(true)
	stopped := allocate(&load)
	waitPercent(t, c, "loaded", DefaultMax)
	load.Store(false)
	<-stopped
	waitPercent(t, c, "quiet again", DefaultMin)
	if c.Changes() < 2 {
		t.Fatalf("%d changes, want at least 2", c.Changes())
	}
	runtime.KeepAlive(live)
}

// allocate makes garbage at a few hundred MB/s while on is set (at
// most a minute) and closes the channel it returns when it stops.
func allocate(on *atomic.Bool) <-chan struct{} {
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		var sink []byte
		for end := time.Now().Add(time.Minute); on.Load() && time.Now().Before(end); {
			for range 64 {
				sink = make([]byte, 16<<10)
			}
			time.Sleep(time.Millisecond)
		}
		runtime.KeepAlive(sink)
	}()
	return stopped
}

// waitPercent waits (up to a generous 60 s) until the controller and the
// runtime both say percent.
func waitPercent(t *testing.T, c *Controller, phase string, percent int) {
	t.Helper()
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if c.Percent() == percent && runtimePercent() == percent {
			return
		}
	}
	t.Fatalf("%s: percent %d (runtime %d), want %d", phase, c.Percent(), runtimePercent(), percent)
}

// runtimePercent is the GOGC the runtime runs at.
func runtimePercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// BenchmarkSample: what the loop costs each Interval (one runtime/metrics
// read and the arithmetic).
func BenchmarkSample(b *testing.B) {
	s := newSampler(DefaultWindow)
	for b.Loop() {
		Decide(Config{}, 100, s.sample(time.Now()))
	}
}
