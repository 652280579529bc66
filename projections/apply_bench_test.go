package projections

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// BenchmarkApplyChats measures what one projection costs per event in the
// many-small-chats shape of `linkup-load chats` (200 chats of 5 members,
// every member sending): batches of 100 to 5,000 MessagePosted (a 250 ms
// pace gathers 500 at 2,000 msg/s, the default 1 s pace 2,000; at 10,000
// msg/s 2,500 and 10,000), committed through the runner's own commit
// path on a read model already holding the chats. It reports the process's CPU
// time per event (steadier than wall time on a shared machine; it holds
// the SQLite engine and the GC, and for PostgreSQL only the client side)
// and the wall time.
func BenchmarkApplyChats(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			for _, size := range []int{100, 500, 1000, 2500, 5000} {
				b.Run(fmt.Sprint("batch=", size), func(b *testing.B) {
					for _, p := range Default() {
						b.Run(p.Name(), func(b *testing.B) { benchApplyChats(b, be, p, size) })
					}
				})
			}
		})
	}
}

const (
	benchChats    = 200
	benchChatSize = 5
)

func benchApplyChats(b *testing.B, be backend, p Projection, size int) {
	rm := be.openNew(b)
	r, err := NewRunner(Config{Store: openStore(b, b.TempDir()), ReadModel: rm, Projections: []Projection{p}})
	if err != nil {
		b.Fatal(err)
	}
	g := newChatsLog()
	ctx := context.Background()
	if err := r.commit(ctx, p, g.created(), false); err != nil {
		b.Fatal(err)
	}
	batches := make([][]events.Delivery, b.N)
	for i := range batches {
		batches[i] = g.messages(size)
	}
	b.ResetTimer()
	cpu0, start := cpuTime(b), time.Now()
	for _, batch := range batches {
		if err := r.commit(ctx, p, batch, false); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(b.N * size)
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/1000/n, "cpu-µs/event")
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/1000/n, "wall-µs/event")
}

// chatsLog makes the deliveries of a chats-shaped log, positions in order.
type chatsLog struct {
	rng  *rand.Rand
	pos  uint64
	seqs []uint64
}

func newChatsLog() *chatsLog {
	return &chatsLog{rng: rand.New(rand.NewPCG(1, 2)), seqs: make([]uint64, benchChats)}
}

func (g *chatsLog) deliver(ev events.Event, stream string) events.Delivery {
	g.pos++
	d := events.MustEncode(ev)
	rec := &events.RecordedEvent{ID: fmt.Sprint("e", g.pos), Stream: stream, Position: g.pos, Type: d.Type,
		Time: time.Now(), Data: d.Data}
	return events.Delivery{Event: rec, Position: g.pos}
}

func (g *chatsLog) created() []events.Delivery {
	var out []events.Delivery
	for c := range benchChats {
		id := fmt.Sprint("chat-", c)
		members := make([]string, benchChatSize)
		for m := range members {
			members[m] = fmt.Sprintf("user-%d-%d", c, m)
		}
		out = append(out, g.deliver(events.ChatCreated{ChatID: id, Members: members, CreatedBy: members[0], At: t0}, events.ChatStream(id)))
	}
	return out
}

func (g *chatsLog) messages(n int) []events.Delivery {
	out := make([]events.Delivery, 0, n)
	body := strings.Repeat("x", 64)
	for range n {
		c := g.rng.IntN(benchChats)
		g.seqs[c]++
		id := fmt.Sprint("chat-", c)
		ev := events.MessagePosted{ChatID: id, Seq: g.seqs[c], MessageID: fmt.Sprintf("m-%d-%d", c, g.seqs[c]),
			Sender: fmt.Sprintf("user-%d-%d", c, g.rng.IntN(benchChatSize)), Body: body,
			ClientMsgID: fmt.Sprint("k", g.pos), SentAt: time.Now().UTC()}
		out = append(out, g.deliver(ev, events.ChatStream(id)))
	}
	return out
}
