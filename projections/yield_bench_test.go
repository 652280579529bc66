package projections

import (
	"context"
	"fmt"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkLiveWhileApplying measures what a paced batch of the
// many-small-chats shape (10,000 MessagePosted into the deliveries
// projection, what one second gathers at 10,000 msg/s) does to the live
// path of the same process: 2×GOMAXPROCS goroutines each loop on 50 µs of
// work and a 200 µs sleep (about half the machine's cores), like chat
// actors and connection writers woken by the network, while the batch
// commits. It reports how long they waited, once runnable, before running
// (the runtime's /sched/latencies histogram over the commit: p99 and max)
// and how late their sleeps ended (p99), and the batch's wall time per
// event. mode=burst is the batch without yields (as before), yield with
// runtime.Gosched every applyYieldEvery events, rest also sleeping
// applyRest after each applySlice of work (what a paced batch does). With
// live=false there is no live load, and the process's CPU time per event
// shows what the yields and rests cost.
func BenchmarkLiveWhileApplying(b *testing.B) {
	for _, live := range []bool{true, false} {
		for _, mode := range []string{"burst", "yield", "rest"} {
			b.Run(fmt.Sprintf("live=%v/mode=%s", live, mode), func(b *testing.B) { benchLiveWhileApplying(b, mode, live) })
		}
	}
}

func benchLiveWhileApplying(b *testing.B, mode string, live bool) {
	const size = 10_000
	p := Deliveries{}
	rm := sqliteBackend.openNew(b)
	r, err := NewRunner(Config{Store: openStore(b, b.TempDir()), ReadModel: rm, Projections: []Projection{p}})
	if err != nil {
		b.Fatal(err)
	}
	if mode == "burst" {
		r.gosched = func() {}
	}
	g := newChatsLog()
	ctx := context.Background()
	if err := r.commit(ctx, p, g.created(), false); err != nil {
		b.Fatal(err)
	}
	var sched, late []float64
	var wall, cpu time.Duration
	for range b.N {
		batch := g.messages(size)
		runtime.GC()
		stop := make(chan struct{})
		lateness := func() []float64 { return nil }
		if live {
			lateness = liveLoad(2*runtime.GOMAXPROCS(0), stop)
		}
		before, cpu0 := schedLatencies(), cpuTime(b)
		start := time.Now()
		if err := r.commit(ctx, p, batch, mode == "rest"); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		cpu += cpuTime(b) - cpu0
		sched = append(sched, schedLatencies().since(before)...)
		close(stop)
		late = append(late, lateness()...)
	}
	n := float64(b.N * size)
	b.ReportMetric(float64(wall.Nanoseconds())/1000/n, "wall-µs/event")
	if !live {
		b.ReportMetric(float64(cpu.Nanoseconds())/1000/n, "cpu-µs/event")
		return
	}
	b.ReportMetric(quantile(sched, 0.99)*1e6, "sched-p99-µs")
	b.ReportMetric(quantile(sched, 1)*1e6, "sched-max-µs")
	b.ReportMetric(quantile(late, 0.99)*1e6, "late-p99-µs")
}

// liveLoad starts n goroutines looping on 50 µs of work and a 200 µs
// sleep until stop closes; the function it returns waits for them and
// gives how late each sleep ended, in seconds.
func liveLoad(n int, stop <-chan struct{}) func() []float64 {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var late []float64
	var sink atomic.Uint64
	for range n {
		wg.Go(func() {
			var mine []float64
			for {
				select {
				case <-stop:
					mu.Lock()
					late = append(late, mine...)
					mu.Unlock()
					return
				default:
				}
				var x uint64
				for t := time.Now(); time.Since(t) < 50*time.Microsecond; x++ {
				}
				sink.Add(x)
				t := time.Now()
				time.Sleep(200 * time.Microsecond)
				mine = append(mine, (time.Since(t) - 200*time.Microsecond).Seconds())
			}
		})
	}
	return func() []float64 { wg.Wait(); return late }
}

// schedHist is the runtime's histogram of how long goroutines waited,
// runnable, before running.
type schedHist struct {
	counts  []uint64
	buckets []float64
}

func schedLatencies() schedHist {
	s := []rtmetrics.Sample{{Name: "/sched/latencies:seconds"}}
	rtmetrics.Read(s)
	h := s[0].Value.Float64Histogram()
	return schedHist{counts: slices.Clone(h.Counts), buckets: h.Buckets}
}

// since expands the histogram's growth since before into one value per
// wait (each bucket's lower bound).
func (h schedHist) since(before schedHist) []float64 {
	var out []float64
	for i, c := range h.counts {
		for range c - before.counts[i] {
			out = append(out, max(h.buckets[i], 0))
		}
	}
	return out
}

// quantile of xs (q 1: the largest); 0 for none.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[min(int(q*float64(len(xs))), len(xs)-1)]
}
