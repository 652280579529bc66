package actors

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
	dto "github.com/prometheus/client_model/go"
)

// jsonEncoder encodes frames with encoding/json (the transport's encoder
// lives above this package).
// jsonEncoder is the wire's own encoding (transport.JSONEncoder, which
// actors may not import).
type jsonEncoder struct{}

func (jsonEncoder) Encode(f protocol.Frame) ([]byte, error) { return protocol.Encode(f) }

// gatedSocket stands for a connection whose actor cannot keep up: every
// write waits until the gate opens (the real socket never blocks, but a
// starved CPU has the same effect on the actor). It records what it got.
type gatedSocket struct {
	gate    chan struct{}
	waiting atomic.Int64 // writes that reached the gate
	mu      sync.Mutex
	frames  []string
	closed  string
}

func (s *gatedSocket) Send(f []byte) error { return s.SendMany([][]byte{f}) }

func (s *gatedSocket) SendMany(fs [][]byte) error {
	s.waiting.Add(1)
	<-s.gate
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range fs {
		s.frames = append(s.frames, string(f))
	}
	return nil
}

func (s *gatedSocket) Close(final []byte, code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frames = append(s.frames, string(final))
	s.closed = reason
}

func (s *gatedSocket) state() ([]string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.frames...), s.closed
}

// TestDeliveryBacklogIsBounded: a member whose connection stalls while its
// chat keeps posting is dropped once maxDeliverBacklog items wait for it:
// the chat stops sending to it (it never gets all the posts), and once it
// moves again it is told to reconnect as a slow consumer. The sender's acks
// are not held up meanwhile.
func TestDeliveryBacklogIsBounded(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// SyncWait 10 ms: bob's connection, which sends no first frame, holds
	// live items back only that long before its first write (which stalls).
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, SyncWait: 10 * time.Millisecond,
		Limits: Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sender, stalled := &gatedSocket{gate: open}, &gatedSocket{gate: make(chan struct{})}
	alice := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sender)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, sender, `"type":"ack"`)
	n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, stalled)
	probes := 0
	poll.Until(t, 10*time.Second, "bob's connection subscribed (a message reaches its stalled socket)", func() bool {
		probes++
		alice.Handle(protocol.SendMessage{Ref: fmt.Sprint("probe", probes), ChatID: "c1", ClientMsgID: fmt.Sprint("probe", probes), Body: "x"})
		return stalled.waiting.Load() > 0
	})
	const round, posts = 256, 3 * maxDeliverBacklog
	for i := range posts {
		alice.Handle(protocol.SendMessage{Ref: fmt.Sprint("s", i), ChatID: "c1", ClientMsgID: fmt.Sprint(i), Body: "x"})
		if (i+1)%round == 0 { // each round acked (within 10 s) before the next: several fan-out batches
			waitFor(t, sender, fmt.Sprintf(`"ref":"s%d"`, i))
		}
	}
	if drops := metricValue(n.m.backlogDrops); drops != 0 {
		t.Fatalf("dropped before the stalled connection handled anything: %v", drops)
	}
	close(stalled.gate)
	poll.Until(t, 10*time.Second, "the stalled connection told to reconnect as a slow consumer", func() bool {
		_, reason := stalled.state()
		return reason == protocol.ReasonSlowConsumer
	})
	frames, _ := stalled.state()
	got := 0
	for _, f := range frames {
		if strings.Contains(f, `"type":"message"`) {
			got++
		}
	}
	// It handles what was queued before it was dropped: the backlog, plus
	// the round it was stuck in (and the probes).
	if got > maxDeliverBacklog+2*round+probes || !strings.Contains(frames[len(frames)-1], "force_reconnect") {
		t.Fatalf("the stalled connection got %d of %d messages (backlog limit %d), last frame %s", got, posts, maxDeliverBacklog, frames[len(frames)-1])
	}
	t.Logf("stalled connection: %d of %d messages (and %d probes), then force_reconnect", got, posts, probes)
	if metricValue(n.m.backlogDrops) != 1 {
		t.Fatalf("linkup_delivery_backlog_drops_total = %v, want 1", metricValue(n.m.backlogDrops))
	}
}

// TestAckedDeliveriesKeepFlowing: a member whose connection keeps up gets
// every message of a chat that posts many times maxDeliverBacklog items
// and is never dropped, because its connection's acks (deliverAck) give the
// chat its credit back. Without them the chat would count every item as
// still waiting and drop it after maxDeliverBacklog.
func TestAckedDeliveriesKeepFlowing(t *testing.T) {
	n := unlimitedNode(t)
	open := make(chan struct{})
	close(open)
	reader, sender := &gatedSocket{gate: open}, &gatedSocket{gate: open}
	bob := n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, reader)
	bob.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"alice"}})
	waitFor(t, reader, `"type":"chat_created"`) // bob's connection is subscribed
	alice := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sender)
	const round, posts = 128, 4 * maxDeliverBacklog
	for i := range posts {
		alice.Handle(protocol.SendMessage{Ref: fmt.Sprint("s", i), ChatID: "c1", ClientMsgID: fmt.Sprint(i), Body: "x"})
		if (i+1)%round == 0 { // bob has handled the round before the next one is sent
			waitFor(t, reader, fmt.Sprintf(`"client_msg_id":"%d"`, i))
		}
	}
	frames, reason := reader.state()
	got := 0
	for _, f := range frames {
		if strings.Contains(f, `"type":"message"`) {
			got++
		}
	}
	if reason != "" || got != posts || metricValue(n.m.backlogDrops) != 0 {
		t.Fatalf("bob got %d of %d messages, closed %q, drops %v", got, posts, reason, metricValue(n.m.backlogDrops))
	}
}

func waitFor(t *testing.T, s *gatedSocket, want string) {
	t.Helper()
	poll.Until(t, 10*time.Second, "a frame with "+want, func() bool {
		frames, _ := s.state()
		return slices.ContainsFunc(frames, func(f string) bool { return strings.Contains(f, want) })
	})
}

func metricValue(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}
