package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/faultstore"
	"github.com/linkup-chat/linkup/protocol"
)

// sharedLog is the embedded store as two in-process nodes share it,
// standing for the shared PostgreSQL log: without the embedded store's
// callback API (asyncStore). A chat pipelines its appends only over that
// API, which promises a sole appender (chat_flights.go); with two nodes
// appending, a batch behind one lost to the other node could land on the
// other's event (the chat then settles it from the log, and its sender
// got the message as a frame and as an ack). Over a shared log each chat
// keeps one append in flight, as it does over PostgreSQL.
type sharedLog struct{ events.Store }

// TestTwoNodesOneLog: two nodes on one store (one embedded store shared
// in-process, standing for the shared PostgreSQL log), alice on node a and
// bob on node b, both posting to one chat at once. bob learns of the chat
// created on a (chat_created through b's log follower); each connection
// gets every message once, the other's as frames in seq order and its own
// as acks, and seq has no gap and no fork. Under -race this covers the
// follower and the chats' observe and catch-up paths.
func TestTwoNodesOneLog(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lim := Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6}
	a, err := New(context.Background(), Config{Store: sharedLog{st}, Encoder: jsonEncoder{}, Name: "a", Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(context.Background(), Config{Store: sharedLog{st}, Encoder: jsonEncoder{}, Name: "b", Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sa, sb := &gatedSocket{gate: open}, &gatedSocket{gate: open}
	alice := a.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
	bob := b.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, sa, `"type":"ack","ref":"c"`)
	// Posts right after the creation: b may load the chat with them, so
	// bob's welcome must carry them.
	const early = 3
	for i := range early {
		alice.Handle(protocol.SendMessage{Ref: fmt.Sprintf("early-%d", i), ChatID: "c1", ClientMsgID: fmt.Sprintf("early-%d", i), Body: "early"})
	}
	waitFor(t, sb, `"type":"chat_created"`)
	const each = 40
	var wg sync.WaitGroup
	for _, s := range []struct {
		c    *Conn
		user string
	}{{alice, "alice"}, {bob, "bob"}} {
		wg.Go(func() {
			for i := range each {
				s.c.Handle(protocol.SendMessage{Ref: fmt.Sprintf("%s-%d", s.user, i), ChatID: "c1", ClientMsgID: fmt.Sprintf("%s-%d", s.user, i), Body: "hi"})
			}
		})
	}
	wg.Wait()
	waitSeqs(t, 2*each+early, member{"alice", sa, resender(alice)}, member{"bob", sb, resender(bob)})
	t.Logf("conflicts: a %v, b %v; applied from the log: a %v, b %v", metricValue(a.fm.conflicts), metricValue(b.fm.conflicts),
		metricValue(a.fm.applied), metricValue(b.fm.applied))
}

// TestConflictCatchesUpAndDecidesAgain: node b's append is held back
// while another appender stores the next revision of the chat; b's append
// is then refused by the log, b catches up (delivering the other
// appender's message to its subscriber) and stores its post after it,
// with the next seq. A client_msg_id of the other appender, resent to b,
// gets that original's ack.
func TestConflictCatchesUpAndDecidesAgain(t *testing.T) {
	inner, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	fs := faultstore.New(inner)
	b, err := New(context.Background(), Config{Store: fs, Encoder: jsonEncoder{}, Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sa := &gatedSocket{gate: open}
	alice := b.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, sa, `"type":"ack","ref":"c"`)
	alice.Handle(protocol.SendMessage{Ref: "s1", ChatID: "c1", ClientMsgID: "m1", Body: "one"})
	waitFor(t, sa, `"type":"ack","ref":"s1"`)

	fs.Stall()
	alice.Handle(protocol.SendMessage{Ref: "s2", ChatID: "c1", ClientMsgID: "m2", Body: "two"})
	for deadline := time.Now().Add(10 * time.Second); fs.Stats().Stalled.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("b's append never reached the store")
		}
	}
	// Another node stores seq 2 at the revision b expects (1: created, m1).
	other := events.MessagePosted{ChatID: "c1", Seq: 2, MessageID: "x", Sender: "bob", ClientMsgID: "b1", Body: "from elsewhere", SentAt: time.Now().UTC()}
	d, err := events.Encode(other, events.Metadata{Node: "elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inner.Append(context.Background(), events.ChatStream("c1"), events.Exact(1), d); err != nil {
		t.Fatal(err)
	}
	fs.Restore()
	waitFor(t, sa, `"type":"ack","ref":"s2"`)
	if seq := ackSeq(t, sa, "s2"); seq != 3 {
		t.Fatalf("s2 acked with seq %d, want 3 (after the other node's 2)", seq)
	}
	waitFor(t, sa, `"from elsewhere"`)
	if got := metricValue(b.fm.conflicts); got != 1 {
		t.Fatalf("conflicts %v, want 1", got)
	}
	sb := &gatedSocket{gate: open}
	bob := b.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb)
	bob.Handle(protocol.SendMessage{Ref: "again", ChatID: "c1", ClientMsgID: "b1", Body: "from elsewhere"})
	waitFor(t, sb, `"ref":"again"`)
	if seq := ackSeq(t, sb, "again"); seq != 2 {
		t.Fatalf("b1 resent to b acked with seq %d, want the original 2", seq)
	}
	var seqs []uint64
	for rec, err := range inner.ReadStream(context.Background(), events.ChatStream("c1"), events.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if ev, err := events.Decode(rec); err == nil {
			if m, ok := ev.(events.MessagePosted); ok {
				seqs = append(seqs, m.Seq)
			}
		}
	}
	if fmt.Sprint(seqs) != "[1 2 3]" {
		t.Fatalf("the log holds seqs %v, want [1 2 3]", seqs)
	}
}

// ackSeq returns the seq of the ack with ref.
func ackSeq(t *testing.T, s *gatedSocket, ref string) uint64 {
	t.Helper()
	frames, _ := s.state()
	for _, f := range frames {
		var a struct {
			Type, Ref string
			Seq       uint64
		}
		if json.Unmarshal([]byte(f), &a) == nil && a.Type == "ack" && a.Ref == ref {
			return a.Seq
		}
	}
	t.Fatalf("no ack %s", ref)
	return 0
}

// resender resends, as a client does, each send refused `unavailable`
// (a batch that lost the append twice): same client_msg_id, new ref.
func resender(c *Conn) func(frame string) {
	return func(f string) {
		var e struct{ Type, Ref, Code string }
		if json.Unmarshal([]byte(f), &e) != nil || e.Type != "error" || e.Code != "unavailable" {
			return
		}
		id, _, _ := strings.Cut(e.Ref, "/")
		c.Handle(protocol.SendMessage{Ref: id + "/" + fmt.Sprint(time.Now().UnixNano()), ChatID: "c1", ClientMsgID: id, Body: "hi"})
	}
}

// member is one connection waitSeqs watches: each new frame is shown to
// onFrame once.
type member struct {
	who     string
	s       *gatedSocket
	onFrame func(string)
}

// waitSeqs waits until every member has total messages of c1 (frames,
// and acks of its own sends), showing each its new frames meanwhile, then
// checks each: frames rising, every seq 1..total once.
func waitSeqs(t *testing.T, total int, ms ...member) {
	t.Helper()
	handled := make([]int, len(ms))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		done := 0
		for i, m := range ms {
			raw, _ := m.s.state()
			for _, f := range raw[handled[i]:] {
				m.onFrame(f)
			}
			handled[i] = len(raw)
			if seen, _ := seqsOf(t, raw, m.who); len(seen) >= total {
				done++
			}
		}
		if done == len(ms) {
			break
		}
		if time.Now().After(deadline) {
			for _, m := range ms {
				raw, _ := m.s.state()
				seen, _ := seqsOf(t, raw, m.who)
				t.Errorf("%s has %d of %d messages", m.who, len(seen), total)
			}
			t.FailNow()
		}
	}
	for _, m := range ms {
		raw, _ := m.s.state()
		seen, frames := seqsOf(t, raw, m.who)
		for i := 1; i < len(frames); i++ {
			if frames[i] <= frames[i-1] {
				t.Fatalf("%s: frame seq %d after %d", m.who, frames[i], frames[i-1])
			}
		}
		for seq := uint64(1); seq <= uint64(total); seq++ {
			if !seen[seq] {
				t.Fatalf("%s: seq %d missing", m.who, seq)
			}
		}
	}
}

// seqsOf returns the seqs of c1 in raw (message frames and acks of sends)
// and the frames' seqs in order; a seq seen twice fails the test.
func seqsOf(t *testing.T, raw []string, who string) (map[uint64]bool, []uint64) {
	t.Helper()
	seen, frames := map[uint64]bool{}, []uint64(nil)
	for _, f := range raw {
		var m struct {
			Type   string `json:"type"`
			ChatID string `json:"chat_id"`
			Seq    uint64 `json:"seq"`
		}
		if json.Unmarshal([]byte(f), &m) != nil || m.ChatID != "c1" || m.Seq == 0 {
			continue
		}
		switch {
		case m.Type == "message":
			frames = append(frames, m.Seq)
		case m.Type == "ack" && strings.Contains(f, `"client_msg_id"`):
		default:
			continue
		}
		if seen[m.Seq] {
			t.Fatalf("%s: seq %d twice", who, m.Seq)
		}
		seen[m.Seq] = true
	}
	return seen, frames
}

// TestPresenceAcrossNodes: bob, connected to node b, shares a chat with
// alice, who connects to node a. When alice's only connection (on a)
// closes, bob hears she is offline once the grace has passed, and when
// she connects again (on a), that she is online: node b folds a's
// connection events from the log.
func TestPresenceAcrossNodes(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := func(name string) Config {
		return Config{Store: sharedLog{st}, Encoder: jsonEncoder{}, Name: name, PresenceGrace: 100 * time.Millisecond}
	}
	a, err := New(context.Background(), cfg("a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(context.Background(), cfg("b"))
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sb, sa := &gatedSocket{gate: open}, &gatedSocket{gate: open}
	b.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb)
	alice := a.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, sb, `"type":"chat_created"`)
	alice.Closed("test")
	waitFor(t, sb, `"type":"presence","user":"alice","status":"offline"`)
	if st := statusOf(b, "alice"); st != protocol.StatusOffline {
		t.Fatalf("b says alice is %s", st)
	}
	seen, _ := sb.state()
	a.Connect(ConnInfo{ConnectionID: "k-alice-2", UserID: "alice"}, &gatedSocket{gate: open})
	waitForAfter(t, sb, len(seen), `"type":"presence","user":"alice","status":"online"`)
	if st := statusOf(b, "alice"); st != protocol.StatusOnline {
		t.Fatalf("b says alice is %s", st)
	}
}

// statusOf is user's status in the presence book n publishes.
func statusOf(n *Node, user string) string {
	e, _ := n.presence.p.Load().Get(user)
	return e.frame(user).Status
}

// waitForAfter waits for a frame containing want among those s got after
// its first from.
func waitForAfter(t *testing.T, s *gatedSocket, from int, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		frames, _ := s.state()
		for _, f := range frames[from:] {
			if strings.Contains(f, want) {
				return
			}
		}
	}
	frames, _ := s.state()
	t.Fatalf("no %s after frame %d in %v", want, from, frames)
}

// TestWelcomeCarriesItemsStoredBeforeLoad: another node stores a chat's
// creation and its first messages in one append while bob, a member, is
// online here. The chat loads here with the messages already in it, so
// they never come as live items: bob's welcome must carry them, after
// chat_created and in seq order.
func TestWelcomeCarriesItemsStoredBeforeLoad(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sb := &gatedSocket{gate: open}
	b.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb)
	at := time.Now().UTC()
	evs := []events.Event{events.ChatCreated{ChatID: "c1", Title: "t", Members: []string{"alice", "bob"}, CreatedBy: "alice", At: at}}
	for seq := uint64(1); seq <= 3; seq++ {
		evs = append(evs, events.MessagePosted{ChatID: "c1", Seq: seq, MessageID: fmt.Sprint(seq), Sender: "alice", ClientMsgID: fmt.Sprint(seq), Body: "early", SentAt: at})
	}
	var data []events.EventData
	for _, ev := range evs {
		d, err := events.Encode(ev, events.Metadata{Node: "elsewhere"})
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, d)
	}
	if _, err := st.Append(context.Background(), events.ChatStream("c1"), events.NoStream(), data...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sb, `"seq":3`)
	frames, _ := sb.state()
	var got []string
	for _, f := range frames {
		var m struct {
			Type string `json:"type"`
			Seq  uint64 `json:"seq"`
		}
		if json.Unmarshal([]byte(f), &m) == nil && (m.Type == "chat_created" || m.Type == "message") {
			got = append(got, fmt.Sprintf("%s%d", m.Type, m.Seq))
		}
	}
	if fmt.Sprint(got) != "[chat_created0 message1 message2 message3]" {
		t.Fatalf("bob got %v", got)
	}
}
