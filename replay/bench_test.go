package replay

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// benchLog is a store of benchEvents events, built once per test binary:
// one chat "big" with bigChat messages and receipts, the rest spread over
// 100 chats and 500 connections, as a busy node would write them.
const (
	benchEvents = 200_000
	bigChat     = 100_000
)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

func benchStore(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "replay-bench-*")
		if benchErr == nil {
			benchErr = fillBenchLog(benchDir)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func fillBenchLog(dir string) error {
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, start := context.Background(), time.Now().Add(-time.Hour)
	big := []events.EventData{events.MustEncode(events.ChatCreated{ChatID: "big", Title: "big", Members: []string{"u0", "u1"}, CreatedBy: "u0", At: start})}
	for i := 1; i < bigChat; i++ {
		big = append(big, benchChatEvent("big", i, start.Add(time.Duration(i)*time.Millisecond)))
	}
	for i := 0; i < len(big); i += 1000 {
		if _, err := st.Append(ctx, events.ChatStream("big"), events.Any(), big[i:min(i+1000, len(big))]...); err != nil {
			return err
		}
	}
	return fillOthers(ctx, st, start, benchEvents-bigChat)
}

func benchChatEvent(chat string, i int, t time.Time) events.EventData {
	if i%4 == 0 {
		return events.MustEncode(events.ChatRead{ChatID: chat, User: "u1", LastReadSeq: uint64(i), At: t}, events.Metadata{CorrelationID: fmt.Sprint("r", i)})
	}
	return events.MustEncode(events.MessagePosted{ChatID: chat, Seq: uint64(i), MessageID: fmt.Sprint("m", i), Sender: "u0",
		Body: "a message of an ordinary length, some forty bytes", ClientMsgID: fmt.Sprint("c", i), SentAt: t}, events.Metadata{CorrelationID: fmt.Sprint("p", i)})
}

func fillOthers(ctx context.Context, st events.Store, start time.Time, n int) error {
	for i := 0; i < n; i += 500 {
		var batch []events.EventData
		for j := range 500 {
			k := i + j
			batch = append(batch, events.MustEncode(events.ConnectionOpened{ConnectionID: fmt.Sprint("k", k%500), UserID: fmt.Sprint("u", k%50),
				Node: "n1", Protocol: "linkup.v1", At: start.Add(time.Duration(k) * time.Millisecond)}))
		}
		if _, err := st.Append(ctx, events.ConnectionStream(fmt.Sprint("k", i/500)), events.Any(), batch...); err != nil {
			return err
		}
	}
	return nil
}

func benchReplayer(b *testing.B) *Replayer {
	st, err := embedded.Open(embedded.Config{Dir: benchStore(b), ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	r, err := New(Config{Store: st, TimeOrdered: true})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkTimelineScan prints the whole 200k-event log; the figure that
// matters is events/s (goal: 200,000 or more).
func BenchmarkTimelineScan(b *testing.B) {
	for _, c := range []struct {
		name string
		f    Format
		q    Query
	}{
		{"jsonl", FormatJSONL, Query{}},
		{"text", FormatText, Query{}},
		{"user_filter", FormatText, Query{User: "u7"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := benchReplayer(b)
			b.ResetTimer()
			for b.Loop() {
				if _, err := Print(io.Discard, c.f, r.Timeline(context.Background(), c.q)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkStateAt rebuilds the 100k-event chat as of its last event
// (goal: under a second per op).
func BenchmarkStateAt(b *testing.B) {
	r := benchReplayer(b)
	p := Point{At: time.Now().Add(-time.Minute)}
	b.ResetTimer()
	for b.Loop() {
		v, err := r.ChatAt(context.Background(), "big", p)
		if err != nil || v.LatestSeq == 0 {
			b.Fatal(v.LatestSeq, err)
		}
	}
}

// BenchmarkStoreReadAll is the floor under every scan: reading the log
// from the embedded store and nothing else.
func BenchmarkStoreReadAll(b *testing.B) {
	r := benchReplayer(b)
	b.ResetTimer()
	for b.Loop() {
		for _, err := range r.store.ReadAll(context.Background(), events.ReadAllOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkStoreReadStream is the floor under BenchmarkStateAt: reading
// the 100k-event chat stream and nothing else.
func BenchmarkStoreReadStream(b *testing.B) {
	r := benchReplayer(b)
	b.ResetTimer()
	for b.Loop() {
		for _, err := range r.store.ReadStream(context.Background(), events.ChatStream("big"), events.ReadStreamOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
