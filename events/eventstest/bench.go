package eventstest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// BenchEvent is the event every store's benchmarks append: a chat message
// of ordinary length.
var BenchEvent = events.MustEncode(events.MessagePosted{ChatID: "c1", Seq: 1, MessageID: "m1",
	Sender: "alice", Body: "hello, this is a chat message of ordinary length", ClientMsgID: "k1", SentAt: time.Now()})

// Fill appends total BenchEvents to st, 100 per append from 16 appenders
// (streams chat-fill-0 .. chat-fill-15).
func Fill(tb testing.TB, st events.Store, total int) {
	tb.Helper()
	batch := make([]events.EventData, 100)
	for i := range batch {
		batch[i] = BenchEvent
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := g * 100; i < total; i += 1600 {
				if _, err := st.Append(context.Background(), fmt.Sprintf("chat-fill-%d", g), events.Any(), batch...); err != nil {
					tb.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchReadAll scans st's whole log of total events b.N times and reports
// events/s.
func BenchReadAll(b *testing.B, st events.Store, total int) {
	b.Helper()
	for range b.N {
		n := 0
		for _, err := range st.ReadAll(context.Background(), events.ReadAllOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != total {
			b.Fatalf("read %d events, want %d", n, total)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
}
