package actors

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
)

// countSocket counts the frames a connection is sent: acks, messages and
// errors, and wakes whoever waits for a count.
type countSocket struct {
	acks, msgs, errs atomic.Int64
	mu               sync.Mutex
	wake             chan struct{}
}

func newCountSocket() *countSocket { return &countSocket{wake: make(chan struct{}, 1)} }

func (s *countSocket) Send(f []byte) error { return s.SendMany([][]byte{f}) }

func (s *countSocket) SendMany(fs [][]byte) error {
	for _, f := range fs {
		switch {
		case bytes.HasPrefix(f, []byte(`{"type":"ack"`)):
			s.acks.Add(1)
		case bytes.HasPrefix(f, []byte(`{"type":"message"`)):
			s.msgs.Add(1)
		case bytes.HasPrefix(f, []byte(`{"type":"error"`)):
			s.errs.Add(1)
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

func (s *countSocket) Close([]byte, int, string) {}

// chatPathNode is a node on a fresh embedded store with one chat "c1" of
// five members, each connected once; conns[0] created it.
func chatPathNode(b *testing.B) ([]*Conn, []*countSocket) {
	b.Helper()
	st, err := embedded.Open(embedded.Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	n, err := New(context.Background(), unlimitedConfig(st))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = n.Shutdown(ctx, "bench over")
		st.Close()
	})
	users := []string{"u0", "u1", "u2", "u3", "u4"}
	conns, socks := make([]*Conn, len(users)), make([]*countSocket, len(users))
	for i, u := range users {
		socks[i] = newCountSocket()
		conns[i] = n.Connect(ConnInfo{ConnectionID: "k-" + u, UserID: u}, socks[i])
	}
	conns[0].Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "bench", Members: users[1:]})
	waitCount(b, socks[0], &socks[0].acks, 1)
	return conns, socks
}

// waitCount waits until counter (of s) reaches want, failing after 30 s.
func waitCount(b *testing.B, s *countSocket, counter *atomic.Int64, want int64) {
	b.Helper()
	deadline := time.After(30 * time.Second)
	for counter.Load() < want {
		if s.errs.Load() > 0 {
			b.Fatalf("a connection was sent an error frame")
		}
		select {
		case <-s.wake:
		case <-deadline:
			b.Fatalf("waited 30 s: %d of %d", counter.Load(), want)
		}
	}
}

// BenchmarkChatPath posts messages in a chat of five members over the
// embedded store, the five connections taking turns with up to 64 posts
// unanswered, and waits for every ack and every delivery: one op is one
// message (its decide, durable append, ack and four deliveries).
func BenchmarkChatPath(b *testing.B) {
	conns, socks := chatPathNode(b)
	const window = 64
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		k := i % len(conns)
		if i >= window {
			j := i - window // the post that must be acknowledged first
			waitCount(b, socks[j%len(conns)], &socks[j%len(conns)].acks, acksBy(j))
		}
		conns[k].Handle(protocol.SendMessage{Ref: "r", ChatID: "c1", ClientMsgID: fmt.Sprint("m", i), Body: "hello from the bench"})
	}
	for k, s := range socks {
		posts := int64(b.N / len(conns))
		if k < b.N%len(conns) {
			posts++
		}
		waitCount(b, s, &s.acks, posts+createAcks(k))
		waitCount(b, s, &s.msgs, int64(b.N)-posts)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time the process used so far (user and system):
// the wait for the store's commits makes ns/op a latency, this the cost.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// acksBy is how many acks post j's connection has got once j is
// acknowledged: its posts up to j, and the create's for conns[0].
func acksBy(j int) int64 { return int64(j/5) + 1 + createAcks(j%5) }

func createAcks(k int) int64 {
	if k == 0 {
		return 1
	}
	return 0
}
