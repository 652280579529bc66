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

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// valveSocket is a NonBlockingSocket, so its connection actor runs in
// place on the chat's goroutine during a fan-out (connDispatcher), whose
// writes the test can hold (shut) and let go (open): a fan-out to it then
// stays in progress, on the chat's goroutine, until the test opens it.
type valveSocket struct {
	gatedSocket // its gate open: where the frames are kept
	vmu         sync.Mutex
	valve       chan struct{} // nil: open
	held        atomic.Int64  // writes that waited at the valve
}

func newValveSocket() *valveSocket {
	open := make(chan struct{})
	close(open)
	return &valveSocket{gatedSocket: gatedSocket{gate: open}}
}

func (*valveSocket) NeverBlocks() {}

func (s *valveSocket) Send(f []byte) error { return s.SendMany([][]byte{f}) }

func (s *valveSocket) SendMany(fs [][]byte) error {
	s.vmu.Lock()
	v := s.valve
	s.vmu.Unlock()
	if v != nil {
		s.held.Add(1)
		<-v
	}
	return s.gatedSocket.SendMany(fs)
}

func (s *valveSocket) shut() {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	s.valve = make(chan struct{})
}

func (s *valveSocket) open() {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	if s.valve != nil {
		close(s.valve)
		s.valve = nil
	}
}

// takeTurn waits for the next append of c1 to reach the scripted store
// and returns it unanswered (it waits until the test sends on it).
func (s *scriptedStore) takeTurn(t *testing.T, what string) chan error {
	t.Helper()
	select {
	case turn := <-s.turns:
		return turn
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no append came", what)
		return nil
	}
}

// indexOf is the index of the first frame holding every part, or -1.
func indexOf(frames []string, parts ...string) int {
	return slices.IndexFunc(frames, func(f string) bool {
		for _, p := range parts {
			if !strings.Contains(f, p) {
				return false
			}
		}
		return true
	})
}

// TestNextAppendDoesNotWaitForFanOut: once a batch is durable, the chat
// submits the next batch before it fans the durable one out. bob's
// connection runs in place and its socket holds its writes, so the fan-out
// of message 1 stays in progress on the chat's goroutine; the append of
// the next batch (message 2, queued while 1 was in flight) must reach the
// store meanwhile. With the old order (fan-out, then the next batch) no
// append comes until bob's socket moves, and the test fails.
//
// It also checks the order every connection sees: alice's ack of 1 comes
// once 1 is durable, her ack of 2 only once 2 is; bob sees message 1, then
// the refusal of his edit (decided in the next batch, with 2, whose reply
// does not wait for the append: it must still come after the items that
// preceded it), then message 2.
func TestNextAppendDoesNotWaitForFanOut(t *testing.T) {
	st := newScriptedStore(t)
	n := mustNew(t, unlimitedConfig(st))
	open := make(chan struct{})
	close(open)
	sender, reader := &gatedSocket{gate: open}, newValveSocket()
	bob := n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, reader)
	bob.Handle(protocol.Ping{Ref: "p"}) // first frame: live items are not held back
	alice := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sender)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	st.next(t, nil)
	waitFor(t, sender, `"ref":"c"`)
	waitFor(t, &reader.gatedSocket, `"type":"chat_created"`) // bob's connection is subscribed

	alice.Handle(protocol.SendMessage{Ref: "m1", ChatID: "c1", ClientMsgID: "1", Body: "one"})
	first := st.takeTurn(t, "message 1")
	alice.Handle(protocol.SendMessage{Ref: "m2", ChatID: "c1", ClientMsgID: "2", Body: "two"})
	bob.Handle(protocol.EditMessage{Ref: "e", ChatID: "c1", Seq: 1, Body: "not mine"})
	handled(t, alice, sender, "h") // both queued behind message 1
	if frames, _ := sender.state(); indexOf(frames, `"ref":"m1"`) >= 0 {
		t.Fatal("message 1 acked before its append was durable")
	}

	reader.shut()
	first <- nil // message 1 durable: its fan-out stalls at bob's socket
	poll.Until(t, 10*time.Second, "the fan-out of message 1 reached bob's socket", func() bool { return reader.held.Load() > 0 })
	second := st.takeTurn(t, "the next batch while the fan-out of message 1 is in progress")
	if frames, _ := reader.state(); indexOf(frames, `"type":"message"`) >= 0 {
		t.Fatalf("bob got a message while his socket was shut: %v", frames)
	}
	waitFor(t, sender, `"ref":"m1"`)
	if frames, _ := sender.state(); indexOf(frames, `"ref":"m2"`) >= 0 {
		t.Fatal("message 2 acked before its append was durable")
	}
	reader.open()
	second <- nil
	waitFor(t, sender, `"ref":"m2"`)
	waitFor(t, &reader.gatedSocket, `"client_msg_id":"2"`)

	a, _ := sender.state()
	if m1, m2 := indexOf(a, `"type":"ack"`, `"ref":"m1"`, `"seq":1`), indexOf(a, `"type":"ack"`, `"ref":"m2"`, `"seq":2`); m1 < 0 || m2 < m1 {
		t.Fatalf("alice's acks out of order or wrong: %v", a)
	}
	b, _ := reader.state()
	one := indexOf(b, `"type":"message"`, `"seq":1`)
	edit := indexOf(b, `"ref":"e"`, `"forbidden"`)
	two := indexOf(b, `"type":"message"`, `"seq":2`)
	if one < 0 || edit < one || two < edit {
		t.Fatalf("bob's frames: message 1 at %d, edit refusal at %d, message 2 at %d, want in that order: %v", one, edit, two, b)
	}
}

// TestFanOutOrderWhilePipelined: many posts from two senders, with bob's
// connection running in place (so each fan-out runs on the chat's
// goroutine while the next append is in flight): every member sees every
// message once, in seq order, and each sender's acks carry increasing
// seqs, gap-free over both senders.
func TestFanOutOrderWhilePipelined(t *testing.T) {
	st := newScriptedStore(t)
	n := mustNew(t, unlimitedConfig(st))
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() { // every append of c1 goes through, in the order it comes
		for {
			select {
			case turn := <-st.turns:
				turn <- nil
			case <-stop:
				return
			}
		}
	}()
	socks := map[string]*neverBlocking{}
	conns := map[string]*Conn{}
	open := make(chan struct{})
	close(open)
	for _, u := range []string{"alice", "carol", "bob"} {
		socks[u] = &neverBlocking{gatedSocket{gate: open}}
		conns[u] = n.Connect(ConnInfo{ConnectionID: "k-" + u, UserID: u}, socks[u])
		conns[u].Handle(protocol.Ping{Ref: "p"})
	}
	conns["alice"].Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob", "carol"}})
	waitFor(t, &socks["alice"].gatedSocket, `"ref":"c"`)
	waitFor(t, &socks["bob"].gatedSocket, `"type":"chat_created"`)
	waitFor(t, &socks["carol"].gatedSocket, `"type":"chat_created"`)
	const posts = 200
	for i := range posts {
		conns["alice"].Handle(protocol.SendMessage{Ref: fmt.Sprint("a", i), ChatID: "c1", ClientMsgID: fmt.Sprint("a", i), Body: "x"})
		conns["carol"].Handle(protocol.SendMessage{Ref: fmt.Sprint("c", i), ChatID: "c1", ClientMsgID: fmt.Sprint("c", i), Body: "x"})
	}
	waitFor(t, &socks["alice"].gatedSocket, fmt.Sprintf(`"ref":"a%d"`, posts-1))
	waitFor(t, &socks["carol"].gatedSocket, fmt.Sprintf(`"ref":"c%d"`, posts-1))
	poll.Until(t, 10*time.Second, "bob got every message", func() bool {
		frames, _ := socks["bob"].state()
		return len(seqsWith(t, frames, `"type":"message"`)) >= 2*posts
	})
	for _, u := range []string{"alice", "carol"} { // a batch's acks may come before its items
		poll.Until(t, 10*time.Second, u+" got the other sender's messages", func() bool {
			frames, _ := socks[u].state()
			return len(seqsWith(t, frames, `"type":"message"`)) >= posts
		})
	}
	frames, _ := socks["bob"].state()
	if got := seqsWith(t, frames, `"type":"message"`); !isRun(got, 1, 2*posts) {
		t.Fatalf("bob's messages: %v, want seqs 1..%d in order", got, 2*posts)
	}
	var acked []int
	for _, u := range []string{"alice", "carol"} {
		frames, _ := socks[u].state()
		acks := seqsWith(t, frames, `"type":"ack"`, `"client_msg_id"`)
		if !slices.IsSorted(acks) || len(acks) != posts {
			t.Fatalf("%s's acks: %v", u, acks)
		}
		if msgs := seqsWith(t, frames, `"type":"message"`); !slices.IsSorted(msgs) || len(msgs) != posts {
			t.Fatalf("%s got the other sender's messages %v, want %d in seq order", u, msgs, posts)
		}
		acked = append(acked, acks...)
	}
	slices.Sort(acked)
	if !isRun(acked, 1, 2*posts) {
		t.Fatalf("acked seqs %v, want 1..%d once each", acked, 2*posts)
	}
}

// seqsWith returns the seq of each frame holding every part, in order.
func seqsWith(t *testing.T, frames []string, parts ...string) []int {
	t.Helper()
	var out []int
	for _, f := range frames {
		if indexOf([]string{f}, parts...) < 0 {
			continue
		}
		i := strings.Index(f, `"seq":`)
		if i < 0 {
			continue
		}
		var seq int
		if _, err := fmt.Sscanf(f[i:], `"seq":%d`, &seq); err != nil {
			t.Fatalf("frame %s: %v", f, err)
		}
		out = append(out, seq)
	}
	return out
}

// isRun reports whether s is exactly lo, lo+1, ..., hi.
func isRun(s []int, lo, hi int) bool {
	if len(s) != hi-lo+1 {
		return false
	}
	for i, v := range s {
		if v != lo+i {
			return false
		}
	}
	return true
}

// ackGateStore is a real store whose next append of chat c1, once armed
// (holdNext), lands and then waits to return until the test releases it:
// the chat meanwhile has its batch in flight, as when the log's follower
// is faster than the append's answer.
type ackGateStore struct {
	events.Store
	mu      sync.Mutex
	landed  chan struct{} // closed when the held append has landed; nil: none held
	release chan struct{}
}

func (s *ackGateStore) holdNext() (landed, release chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.landed, s.release = make(chan struct{}), make(chan struct{})
	return s.landed, s.release
}

func (s *ackGateStore) Append(ctx context.Context, stream string, expected events.ExpectedRevision, evs ...events.EventData) (events.AppendResult, error) {
	res, err := s.Store.Append(ctx, stream, expected, evs...)
	if stream != events.ChatStream("c1") {
		return res, err
	}
	s.mu.Lock()
	landed, release := s.landed, s.release
	s.landed = nil
	s.mu.Unlock()
	if landed != nil {
		close(landed)
		<-release
	}
	return res, err
}

// TestForeignEventHeldAtCommitComesAfter: while alice's message (seq 2) is
// in flight, another appender stores seq 3 right after it, and the node's
// follower hands the chat both before the append answers. When the chat
// commits seq 2 it holds an event it has not applied: it must fan seq 2
// out before it applies and delivers seq 3 (the next batch cannot go
// first then), so bob sees 1, 2, 3 and alice her ack of 2 before the
// message 3.
func TestForeignEventHeldAtCommitComesAfter(t *testing.T) {
	inner, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	st := &ackGateStore{Store: inner}
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, Name: "a",
		Limits: Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sa, sb := &neverBlocking{gatedSocket{gate: open}}, &neverBlocking{gatedSocket{gate: open}}
	bob := n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb)
	bob.Handle(protocol.Ping{Ref: "p"})
	alice := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, &sa.gatedSocket, `"ref":"c"`)
	waitFor(t, &sb.gatedSocket, `"type":"chat_created"`)
	alice.Handle(protocol.SendMessage{Ref: "m1", ChatID: "c1", ClientMsgID: "1", Body: "one"})
	waitFor(t, &sa.gatedSocket, `"ref":"m1"`)

	landed, release := st.holdNext()
	alice.Handle(protocol.SendMessage{Ref: "m2", ChatID: "c1", ClientMsgID: "2", Body: "two"})
	select {
	case <-landed:
	case <-time.After(10 * time.Second):
		t.Fatal("alice's second message never reached the store")
	}
	other := events.MessagePosted{ChatID: "c1", Seq: 3, MessageID: "x", Sender: "bob", ClientMsgID: "b1", Body: "from elsewhere", SentAt: time.Now().UTC()}
	d, err := events.Encode(other, events.Metadata{Node: "elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inner.Append(context.Background(), events.ChatStream("c1"), events.Exact(2), d); err != nil {
		t.Fatal(err)
	}
	// created, 1, 2, the other appender's 3: all handed to the chat.
	poll.Until(t, 10*time.Second, "the follower read the chat's 4 events", func() bool { return metricValue(n.fm.followed) >= 4 })
	close(release)
	waitFor(t, &sb.gatedSocket, `"from elsewhere"`)
	waitFor(t, &sa.gatedSocket, `"from elsewhere"`)

	b, _ := sb.state()
	if got := seqsWith(t, b, `"type":"message"`); !isRun(got, 1, 3) {
		t.Fatalf("bob's messages %v, want seqs 1, 2, 3 in order: %v", got, b)
	}
	a, _ := sa.state()
	if ack, msg := indexOf(a, `"ref":"m2"`, `"seq":2`), indexOf(a, `"from elsewhere"`, `"seq":3`); ack < 0 || msg < ack {
		t.Fatalf("alice: ack of 2 at %d, message 3 at %d: %v", ack, msg, a)
	}
	t.Logf("applied from the log: %v", metricValue(n.fm.applied))
}
