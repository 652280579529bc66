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

// NeverBlocks: a countSocket only counts, as the transport's socket only
// queues, so its connection actor runs in place (connDispatcher), as a
// server's connections do.
func (*countSocket) NeverBlocks() {}

// chatPathNode is a node on a fresh embedded store with chats c0..c<n-1>
// of five members each, every member connected once; conns[5i] created
// chat i, conns[5i..5i+4] are its members.
func chatPathNode(b testing.TB, chats int) ([]*Conn, []*countSocket) {
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
	var conns []*Conn
	var socks []*countSocket
	for c := range chats {
		users := make([]string, 5)
		for k := range users {
			users[k] = fmt.Sprintf("u%d-%d", c, k)
			s := newCountSocket()
			conns, socks = append(conns, n.Connect(ConnInfo{ConnectionID: "k-" + users[k], UserID: users[k]}, s)), append(socks, s)
		}
		conns[5*c].Handle(protocol.CreateChat{Ref: "c", ChatID: fmt.Sprint("c", c), Title: "bench", Members: users[1:]})
	}
	for c := range chats {
		waitCount(b, socks[5*c], &socks[5*c].acks, 1)
	}
	return conns, socks
}

// waitCount waits until counter (of s) reaches want, failing after 30 s.
func waitCount(b testing.TB, s *countSocket, counter *atomic.Int64, want int64) {
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

// BenchmarkChatPath posts messages in chats of five members over the
// embedded store, each connection with one post unanswered at a time (as
// a load client sends, a few posts per chat's batch), and waits for
// every ack and every delivery: one op is one message (its decide,
// durable append, ack and four deliveries). chats=1 is one chat's path,
// each commit its own; chats=40 is the `chats` load's shape, the store's
// commits shared by many chats.
func BenchmarkChatPath(b *testing.B) {
	for _, chats := range []int{1, 40} {
		b.Run(fmt.Sprint("chats=", chats), func(b *testing.B) { benchChatPath(b, chats) })
	}
}

func benchChatPath(b *testing.B, chats int) {
	conns, socks := chatPathNode(b, chats)
	window := len(conns)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		k := i % window
		if i >= window { // conns[k]'s previous post must be acknowledged first
			waitCount(b, socks[k], &socks[k].acks, int64(i/window)+createAcks(k))
		}
		conns[k].Handle(protocol.SendMessage{Ref: "r", ChatID: fmt.Sprint("c", k/5), ClientMsgID: fmt.Sprint("m", i), Body: "hello from the bench"})
	}
	for k, s := range socks {
		posts := int64(b.N / window)
		if k < b.N%window {
			posts++
		}
		waitCount(b, s, &s.acks, posts+createAcks(k))
		others := int64(0) // the posts of the other members of k's chat
		for j := k - k%5; j < k-k%5+5; j++ {
			if j != k {
				others += int64(b.N / window)
				if j < b.N%window {
					others++
				}
			}
		}
		waitCount(b, s, &s.msgs, others)
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

// createAcks is the create_chat acks conns[k] got: its chat's creator's.
func createAcks(k int) int64 {
	if k%5 == 0 {
		return 1
	}
	return 0
}
