package embedded_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/eventstest"
	"github.com/prometheus/client_golang/prometheus"
)

var benchEvent = eventstest.BenchEvent

// BenchmarkAppend appends one event per call from 1, 16 and 256 concurrent
// appenders, each to its own stream, and reports events/s and the p99
// latency of Append.
func BenchmarkAppend(b *testing.B) {
	for _, p := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("appenders=%d", p), func(b *testing.B) {
			st, reg := openBenchReg(b)
			lat := runAppenders(b, st, p, b.N, 0)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(p99(lat), "p99-ms")
			b.ReportMetric(meanBatch(b, reg), "appends/batch")
		})
	}
}

// BenchmarkAppendPaced offers 50,000 appends/s (half the 256-appender
// target) from 256 appenders and reports the p99 latency at that load.
func BenchmarkAppendPaced(b *testing.B) {
	const rate, p = 50_000, 256
	st := openBench(b)
	lat := runAppenders(b, st, p, b.N, time.Second*p/rate)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(p99(lat), "p99-ms")
}

func openBench(b *testing.B) *embedded.Store {
	st, _ := openBenchReg(b)
	return st
}

func openBenchReg(b *testing.B) (*embedded.Store, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	st, err := embedded.Open(embedded.Config{Dir: b.TempDir(), Metrics: reg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, reg
}

// meanBatch reads the mean appends per transaction from the store's
// batch size histogram.
func meanBatch(b *testing.B, reg *prometheus.Registry) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	for _, mf := range mfs {
		if strings.HasSuffix(mf.GetName(), "append_batch_size") {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleSum() / float64(max(h.GetSampleCount(), 1))
		}
	}
	b.Fatal("no batch size metric")
	return 0
}

// runAppenders makes n appends from p goroutines, each waiting interval
// between the starts of its appends (0: none), and returns the latencies.
func runAppenders(b *testing.B, st events.Store, p, n int, interval time.Duration) []time.Duration {
	var left atomic.Int64
	left.Store(int64(n))
	lats := make([][]time.Duration, p)
	var wg sync.WaitGroup
	b.ResetTimer()
	for g := range p {
		wg.Go(func() { lats[g] = appendLoop(b, st, g, &left, interval) })
	}
	wg.Wait()
	b.StopTimer()
	return slices.Concat(lats...)
}

func appendLoop(b *testing.B, st events.Store, g int, left *atomic.Int64, interval time.Duration) []time.Duration {
	var lat []time.Duration
	stream := fmt.Sprintf("chat-bench-%d", g)
	next := time.Now().Add(time.Duration(g) * interval / 256)
	for left.Add(-1) >= 0 {
		if interval > 0 { // pacing at the offered rate, not a poll
			time.Sleep(time.Until(next))
			next = next.Add(interval)
		}
		t0 := time.Now()
		if _, err := st.Append(context.Background(), stream, events.Any(), benchEvent); err != nil {
			b.Error(err)
			return lat
		}
		lat = append(lat, time.Since(t0))
	}
	return lat
}

func p99(lat []time.Duration) float64 {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return float64(lat[len(lat)*99/100]) / float64(time.Millisecond)
}

// BenchmarkReadAll scans a log of 100,000 events with ReadAll and reports
// events/s.
func BenchmarkReadAll(b *testing.B) {
	const total = 100_000
	st := openBench(b)
	eventstest.Fill(b, st, total)
	b.ResetTimer()
	eventstest.BenchReadAll(b, st, total)
}

// BenchmarkReadStream reads from a log of 102,400 events over 256 streams
// of 400 events: "history" is the last 50 events of a stream, backwards (a
// chat's history page); "whole" is all 400 events of a stream, forwards
// (loading a chat's state). Both cross the store's unindexed tail.
func BenchmarkReadStream(b *testing.B) {
	st := openBench(b)
	fillStreams(b, st, 256, 400)
	cases := []struct {
		name string
		opts events.ReadStreamOptions
		want int
	}{
		{"history", events.ReadStreamOptions{Backwards: true, FromEnd: true, Limit: 50}, 50},
		{"whole", events.ReadStreamOptions{}, 400},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := range b.N {
				if n := readStream(b, st, fmt.Sprintf("chat-s-%d", i%256), c.opts); n != c.want {
					b.Fatalf("read %d events, want %d", n, c.want)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
		})
	}
}

func readStream(b *testing.B, st events.Store, stream string, opts events.ReadStreamOptions) int {
	n := 0
	for _, err := range st.ReadStream(context.Background(), stream, opts) {
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

// fillStreams appends per events to each of streams streams, 10 per append,
// the streams interleaved as a busy server's would be.
func fillStreams(tb testing.TB, st events.Store, streams, per int) {
	batch := make([]events.EventData, 10)
	for i := range batch {
		batch[i] = benchEvent
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for r := 0; r < per; r += 10 {
				for s := g; s < streams; s += 16 {
					if _, err := st.Append(context.Background(), fmt.Sprintf("chat-s-%d", s), events.Any(), batch...); err != nil {
						tb.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkSubscribeLive appends b.N events, 10 per Append from 16
// appenders, while 0 or 3 subscriptions follow the log as the server's do
// (two unfiltered, like the projection runners; one filtered on a type
// that never comes, like the chat directory), and waits until all have
// seen the last event. It reports events/s and the process's CPU time per
// event (user + system: appenders, writer and subscriptions together; the
// difference between subs=0 and subs=3 is what following costs).
func BenchmarkSubscribeLive(b *testing.B) {
	for _, n := range []int{0, 3} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) { benchSubscribe(b, n) })
	}
}

func benchSubscribe(b *testing.B, subs int) {
	st := openBench(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	filters := []events.Filter{{}, {}, {EventTypes: []string{"Never"}}}[:subs]
	seen := make([]atomic.Uint64, subs)
	var ready, wg sync.WaitGroup
	for i, f := range filters {
		ready.Add(1)
		wg.Go(func() {
			for d, err := range st.Subscribe(ctx, events.SubscribeOptions{FromEnd: true, Filter: f}) {
				if err != nil {
					return
				}
				if d.CaughtUp {
					ready.Done()
				}
				seen[i].Store(d.Position)
			}
		})
	}
	ready.Wait()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	per := max(b.N/160, 1) * 10
	fillStreams(b, st, 16, per)
	head, _ := st.Head(ctx)
	for i := range seen {
		for seen[i].Load() < head && filters[i].EventTypes == nil {
			// A fine spin inside the timed region: a coarser wait would
			// add its own interval to the measured time.
			time.Sleep(100 * time.Microsecond)
		}
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	n := float64(16 * per)
	b.ReportMetric(n/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/n, "cpu-µs/event")
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
