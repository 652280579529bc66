package embedded_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// BenchmarkAppendAsync keeps 256 appends in flight through AppendAsync,
// each to its own stream and each replaced by the next from its callback,
// as the actor layer does: no goroutine waits per append. It reports
// events/s, the p99 latency and appends per commit.
func BenchmarkAppendAsync(b *testing.B) {
	const inFlight = 256
	st, reg := openBenchReg(b)
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	left := b.N
	var next func(g int)
	next = func(g int) {
		mu.Lock()
		if left == 0 {
			mu.Unlock()
			wg.Done()
			return
		}
		left--
		mu.Unlock()
		t0 := time.Now()
		err := st.AppendAsync(fmt.Sprintf("chat-bench-%d", g), events.Any(), []events.EventData{benchEvent}, func(_ events.AppendResult, err error) {
			if err != nil {
				b.Error(err)
			}
			mu.Lock()
			lat = append(lat, time.Since(t0))
			mu.Unlock()
			next(g)
		})
		if err != nil {
			b.Error(err)
			wg.Done()
		}
	}
	b.ResetTimer()
	wg.Add(inFlight)
	for g := range inFlight {
		next(g)
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(p99(lat), "p99-ms")
	b.ReportMetric(meanBatch(b, reg), "appends/batch")
}
