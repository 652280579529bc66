package gopool

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

// goroutinesCreated is how many goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkDeepRun runs a call that needs ~12 KB of stack (stackProbe)
// per op and waits for it: on a goroutine of its own (each starts with a
// small stack and grows it), on a pool, and on a pool with a GC every
// 100 ops (which, before the ballast, halved the parked goroutine's
// stack each time). growths/op counts the ops whose call found its stack
// too small and had it copied to a larger one; starts/op the goroutines
// started.
//
//	go test ./internal/gopool -run '^$' -bench DeepRun -benchtime 20000x
func BenchmarkDeepRun(b *testing.B) {
	stop := make(chan struct{})
	defer close(stop)
	pool := New(1, stop)
	run := map[string]func(fn func()){
		"goroutine": func(fn func()) { go fn() },
		"pool":      func(fn func()) { pool.Go(fn) },
	}
	for _, c := range []struct {
		name    string
		on      string
		gcEvery int
	}{{"goroutine", "goroutine", 0}, {"pool", "pool", 0}, {"pool-gc", "pool", 100}} {
		b.Run(c.name, func(b *testing.B) {
			growths, created := 0, goroutinesCreated()
			done := make(chan bool)
			fn := func() { before, after := stackProbe(20); done <- before != after }
			for i := 0; b.Loop(); i++ {
				if c.gcEvery > 0 && i%c.gcEvery == c.gcEvery-1 {
					b.StopTimer()
					runtime.GC()
					b.StartTimer()
				}
				run[c.on](fn)
				if <-done {
					growths++
				}
			}
			b.ReportMetric(float64(growths)/float64(b.N), "growths/op")
			b.ReportMetric(float64(goroutinesCreated()-created)/float64(b.N), "starts/op")
		})
	}
}
