package projections

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkFollowChats follows a real embedded store live at the paced
// rates of `linkup-load chats` (200 chats of 5 members; 2,000 and 10,000
// MessagePosted a second) for followSeconds, with the three built-in
// projections on a SQLite read model ("projections") or none ("store":
// the same appends alone). It reports the process's CPU time per event
// from the first append until every projection has committed the last
// one (appending, the store's writer and, in "projections", the
// subscriptions and the read model), so the difference of the two is
// what following costs; and, with projections, the p99 append-to-commit
// lag of the deliveries projection (the upper bound of its histogram
// bucket). The events are encoded before the clock starts; each append
// carries the events of one 10 ms tick, in chats spread over all 200
// (the projections read a chat from the data, not from the stream).
func BenchmarkFollowChats(b *testing.B) {
	for _, rate := range []int{2000, 10_000} {
		for _, follow := range []bool{false, true} {
			name := map[bool]string{false: "store", true: "projections"}[follow]
			b.Run(fmt.Sprintf("rate=%d/%s", rate, name), func(b *testing.B) { benchFollowChats(b, rate, follow) })
		}
	}
}

const followSeconds = 5

func benchFollowChats(b *testing.B, rate int, follow bool) {
	st := openStore(b, b.TempDir())
	reg := prometheus.NewRegistry()
	var rm ReadModel
	if follow {
		rm = sqliteBackend.openNew(b)
		runDefault(b, st, rm, reg)
	}
	g := newChatsLog()
	for _, d := range g.created() {
		appendRaw(b, st, d.Event.Stream, d.Event.Type, string(d.Event.Data))
	}
	if follow {
		waitCaughtUp(b, st, rm)
	}
	ticks := g.ticks(rate, followSeconds)
	b.ResetTimer()
	var cpu time.Duration
	for range b.N {
		cpu0 := cpuTime(b)
		appendTicks(b, st, ticks)
		if follow {
			waitCaughtUp(b, st, rm)
		}
		cpu += cpuTime(b) - cpu0
	}
	n := float64(b.N * rate * followSeconds)
	b.ReportMetric(float64(cpu.Nanoseconds())/1000/n, "cpu-µs/event")
	if follow {
		b.ReportMetric(histP99(b, reg, NameDeliveries)*1000, "p99-lag-ms")
	}
}

// ticks encodes seconds of MessagePosted at rate, as the appends of 10 ms
// ticks.
func (g *chatsLog) ticks(rate, seconds int) [][]events.EventData {
	perTick := rate / 100
	body := strings.Repeat("x", 64)
	out := make([][]events.EventData, 0, 100*seconds)
	for range 100 * seconds {
		tick := make([]events.EventData, 0, perTick)
		for range perTick {
			c := g.rng.IntN(benchChats)
			g.seqs[c]++
			g.pos++
			id := fmt.Sprint("chat-", c)
			tick = append(tick, events.MustEncode(events.MessagePosted{ChatID: id, Seq: g.seqs[c],
				MessageID: fmt.Sprintf("m-%d-%d", c, g.seqs[c]), Sender: fmt.Sprintf("user-%d-%d", c, g.rng.IntN(benchChatSize)),
				Body: body, ClientMsgID: fmt.Sprint("k", g.pos), SentAt: time.Now().UTC()}))
		}
		out = append(out, tick)
	}
	return out
}

// appendTicks appends one tick's events every 10 ms, to one stream.
func appendTicks(b *testing.B, st events.Store, ticks [][]events.EventData) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for _, data := range ticks {
		if _, err := st.Append(context.Background(), "bench", events.Any(), data...); err != nil {
			b.Fatal(err)
		}
		<-tick.C
	}
}

// runDefault runs a runner with the default configuration (the server's)
// until the benchmark ends.
func runDefault(b *testing.B, st events.Store, rm ReadModel, reg prometheus.Registerer) {
	r, err := NewRunner(Config{Store: st, ReadModel: rm, Registerer: reg})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
}
