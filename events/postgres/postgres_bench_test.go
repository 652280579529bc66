package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/eventstest"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

// The benchmarks run against the package's PostgreSQL 15 (pgtest: a local
// server, fsync=on, synchronous_commit=on, default shared_buffers aside),
// a fresh database per run, over loopback TCP.

var benchEvent = eventstest.BenchEvent

// BenchmarkAppend appends one event per call from 1, 16 and 256 concurrent
// appenders, each to its own stream, and reports events/s, the p99
// latency of Append and the mean appends per commit.
func BenchmarkAppend(b *testing.B) {
	for _, p := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("appenders=%d", p), func(b *testing.B) {
			st, reg := openBenchReg(b)
			lat := runAppenders(b, st, p, b.N)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(p99(lat), "p99-ms")
			b.ReportMetric(meanBatch(b, reg), "appends/batch")
		})
	}
}

func openBenchReg(b *testing.B) (*postgres.Store, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	url := pgtest.Shared(b).NewDatabase(b)
	st, err := postgres.Open(context.Background(), postgres.Config{URL: url, Metrics: reg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, reg
}

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

func runAppenders(b *testing.B, st events.Store, p, n int) []time.Duration {
	var left atomic.Int64
	left.Store(int64(n))
	lats := make([][]time.Duration, p)
	var wg sync.WaitGroup
	b.ResetTimer()
	for g := range p {
		wg.Go(func() {
			stream := fmt.Sprintf("chat-bench-%d", g)
			for left.Add(-1) >= 0 {
				t0 := time.Now()
				if _, err := st.Append(context.Background(), stream, events.Any(), benchEvent); err != nil {
					b.Error(err)
					return
				}
				lats[g] = append(lats[g], time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	return slices.Concat(lats...)
}

func p99(lat []time.Duration) float64 {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return float64(lat[len(lat)*99/100]) / float64(time.Millisecond)
}

// BenchmarkReadAll scans a log of 50,000 events with ReadAll and reports
// events/s, with the default page of 512 events per query and with 2,048.
func BenchmarkReadAll(b *testing.B) {
	const total = 50_000
	url := pgtest.Shared(b).NewDatabase(b)
	eventstest.Fill(b, openBenchURL(b, url, 0), total)
	for _, page := range []int{postgres.DefaultPageSize, 2048} {
		b.Run(fmt.Sprintf("page=%d", page), func(b *testing.B) {
			eventstest.BenchReadAll(b, openBenchURL(b, url, page), total)
		})
	}
}

// BenchmarkSubscriptionLag offers 5,000 events/s (from 64 appenders) to
// one Store while a subscription on a second Store (another pool and
// LISTEN connection, as another process would have) receives them, and
// reports the lag from the start of each Append to its delivery: p50 and
// p99 in ms. b.N is the number of events.
func BenchmarkSubscriptionLag(b *testing.B) {
	const rate, p = 5000, 64
	url := pgtest.Shared(b).NewDatabase(b)
	w := openBenchURL(b, url, 0)
	r := openBenchURL(b, url, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lags := make(chan []time.Duration, 1)
	ready := make(chan struct{})
	go func() { lags <- receive(ctx, b, r, b.N, ready) }()
	<-ready
	b.ResetTimer()
	var wg sync.WaitGroup
	interval := time.Second * p / rate
	per := (b.N + p - 1) / p
	var left atomic.Int64
	left.Store(int64(b.N))
	for g := range p {
		wg.Go(func() {
			next := time.Now().Add(time.Duration(g) * interval / p)
			for range per {
				if left.Add(-1) < 0 {
					return
				}
				time.Sleep(time.Until(next)) // pacing at the offered rate, not a poll
				next = next.Add(interval)
				data, _ := json.Marshal(map[string]int64{"t": time.Now().UnixNano()})
				if _, err := w.Append(ctx, fmt.Sprintf("chat-lag-%d", g), events.Any(), events.EventData{Type: "LagProbe", Data: data}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	lat := <-lags
	b.StopTimer()
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "events/s")
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2])/float64(time.Millisecond), "p50-lag-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100])/float64(time.Millisecond), "p99-lag-ms")
	}
}

func openBenchURL(b *testing.B, url string, page int) *postgres.Store {
	st, err := postgres.Open(context.Background(), postgres.Config{URL: url, PageSize: page})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// receive subscribes from the end and returns the lag of n events.
func receive(ctx context.Context, b *testing.B, st events.Store, n int, ready chan<- struct{}) []time.Duration {
	lat := make([]time.Duration, 0, n)
	for d, err := range st.Subscribe(ctx, events.SubscribeOptions{FromEnd: true}) {
		if err != nil {
			b.Error(err)
			return lat
		}
		if d.CaughtUp {
			close(ready)
			continue
		}
		var v struct{ T int64 }
		json.Unmarshal(d.Event.Data, &v)
		lat = append(lat, time.Since(time.Unix(0, v.T)))
		if len(lat) == n {
			return lat
		}
	}
	return lat
}
