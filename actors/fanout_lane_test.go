package actors

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// withLane makes every chat of the test fan out through its lane.
func withLane(t *testing.T) {
	old := laneMinSubscribers.Swap(1)
	t.Cleanup(func() { laneMinSubscribers.Store(old) })
}

// countingValve is a valveSocket that counts its SendMany calls.
type countingValve struct {
	*valveSocket
	calls atomic.Int64
}

func (s *countingValve) Send(f []byte) error { return s.SendMany([][]byte{f}) }

func (s *countingValve) SendMany(fs [][]byte) error {
	s.calls.Add(1)
	return s.valveSocket.SendMany(fs)
}

// TestLaneFreesTheChatAndMergesFanOuts: bob's connection runs in place
// and its socket holds its writes, so the fan-out of message 1 stalls on
// the lane's goroutine. The chat itself must go on: alice's messages 2
// and 3, each appended on its own, are acked meanwhile (before the lane,
// the fan-out ran on the chat's goroutine and no ack came until bob's
// socket moved). Once bob's socket moves he gets 1, 2, 3 in order, 2 and
// 3 in one deliver (one SendMany): the lane merged the fan-outs that
// waited.
func TestLaneFreesTheChatAndMergesFanOuts(t *testing.T) {
	withLane(t)
	n := unlimitedNode(t)
	open := make(chan struct{})
	close(open)
	sender, reader := &gatedSocket{gate: open}, &countingValve{valveSocket: newValveSocket()}
	bob := n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, reader)
	bob.Handle(protocol.Ping{Ref: "p"})
	alice := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sender)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, sender, `"ref":"c"`)
	waitFor(t, &reader.gatedSocket, `"type":"chat_created"`)

	reader.shut()
	before := reader.calls.Load()
	alice.Handle(protocol.SendMessage{Ref: "m1", ChatID: "c1", ClientMsgID: "1", Body: "one"})
	poll.Until(t, 10*time.Second, "the fan-out of message 1 reached bob's socket", func() bool { return reader.held.Load() > 0 })
	for i := 2; i <= 3; i++ { // one append each
		alice.Handle(protocol.SendMessage{Ref: fmt.Sprint("m", i), ChatID: "c1", ClientMsgID: fmt.Sprint(i), Body: "more"})
		waitFor(t, sender, fmt.Sprintf(`"ref":"m%d"`, i))
	}
	if frames, _ := reader.state(); indexOf(frames, `"type":"message"`) >= 0 {
		t.Fatalf("bob got a message while his socket was shut: %v", frames)
	}
	reader.open()
	waitFor(t, &reader.gatedSocket, `"client_msg_id":"3"`)
	b, _ := reader.state()
	if got := seqsWith(t, b, `"type":"message"`); !isRun(got, 1, 3) {
		t.Fatalf("bob's messages %v, want seqs 1, 2, 3 in order: %v", got, b)
	}
	if calls := reader.calls.Load() - before; calls != 2 {
		t.Fatalf("bob's socket got %d writes for messages 1-3, want 2 (1, then 2 and 3 merged)", calls)
	}
	a, _ := sender.state()
	if acks := seqsWith(t, a, `"type":"ack"`, `"client_msg_id"`); !isRun(acks, 1, 3) {
		t.Fatalf("alice's acks %v, want seqs 1, 2, 3: %v", acks, a)
	}
}

// TestFanOutOrderThroughLane runs the chat's order tests with every chat
// fanning out through its lane: a refusal decided after a batch still
// comes after that batch's items, every member sees every message once in
// seq order, and acks stay in order.
func TestFanOutOrderThroughLane(t *testing.T) {
	for name, test := range map[string]func(*testing.T){
		"next append": TestNextAppendDoesNotWaitForFanOut,
		"pipelined":   TestFanOutOrderWhilePipelined,
		"foreign":     TestForeignEventHeldAtCommitComesAfter,
		"backlog":     TestDeliveryBacklogIsBounded,
	} {
		t.Run(name, func(t *testing.T) {
			withLane(t)
			test(t)
		})
	}
}

// recorder is an actor keeping the delivers it gets.
type recorder struct {
	mu   sync.Mutex
	got  [][]string
	seen chan struct{}
}

func (r *recorder) Receive(ctx actor.Context) {
	d, ok := ctx.Message().(deliver)
	if !ok {
		return
	}
	var items []string
	for _, it := range d.Items {
		items = append(items, string(it.Frame))
	}
	r.mu.Lock()
	r.got = append(r.got, items)
	r.mu.Unlock()
	r.seen <- struct{}{}
}

// TestMergedFanOutsKeepEachTargetsItems: fan-outs merged by the lane
// give each connection one deliver with exactly the items of the fan-outs
// it was a target of, in order, whether it was a target of all of them
// or of some.
func TestMergedFanOutsKeepEachTargetsItems(t *testing.T) {
	sys := actor.NewActorSystem()
	seen := make(chan struct{}, 16)
	recs := map[string]*recorder{}
	pids := map[string]*actor.PID{}
	for _, name := range []string{"x", "y", "z"} {
		r := &recorder{seen: seen}
		recs[name] = r
		pids[name] = sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r }))
	}
	item := func(s string) []deliverItem { return []deliverItem{{Frame: []byte(s)}} }
	postMerged(sys, []laneTask{
		{chatID: "c", items: item("a"), targets: []*actor.PID{pids["x"], pids["y"]}},
		{chatID: "c", items: item("b"), targets: []*actor.PID{pids["y"], pids["z"]}},
		{chatID: "c", items: item("c"), targets: []*actor.PID{pids["y"], pids["x"]}},
	})
	for range 3 {
		select {
		case <-seen:
		case <-time.After(10 * time.Second):
			t.Fatal("a deliver did not come")
		}
	}
	want := map[string][]string{"x": {"a", "c"}, "y": {"a", "b", "c"}, "z": {"b"}}
	for name, r := range recs {
		r.mu.Lock()
		got := r.got
		r.mu.Unlock()
		if len(got) != 1 || !slices.Equal(got[0], want[name]) {
			t.Errorf("%s got %v, want one deliver of %v", name, got, want[name])
		}
	}
}

// TestSoleOrigin: only a batch of one connection's own messages lets that
// connection's replies skip the lane.
func TestSoleOrigin(t *testing.T) {
	a, b := &actor.PID{Id: "a"}, &actor.PID{Id: "b"}
	for _, c := range []struct {
		items []deliverItem
		want  string
	}{
		{[]deliverItem{{Seq: 1, Origin: a}, {Seq: 2, Origin: a}}, "a"},
		{[]deliverItem{{Seq: 1, Origin: a}, {Seq: 2, Origin: b}}, soleOriginNone},
		{[]deliverItem{{Seq: 1, Origin: a}, {Seq: 0, Origin: a}}, soleOriginNone}, // a read frame shows to its sender
		{[]deliverItem{{Seq: 1}}, soleOriginNone},
		{nil, soleOriginNone},
	} {
		if got := soleOrigin(c.items); got != c.want {
			t.Errorf("soleOrigin(%v) = %q, want %q", c.items, got, c.want)
		}
	}
}

// gatedRecorder is an actor whose Receive waits at gate, then counts the
// items delivered to it.
type gatedRecorder struct {
	gate    chan struct{}
	entered atomic.Int64
	items   atomic.Int64
}

func (r *gatedRecorder) Receive(ctx actor.Context) {
	if d, ok := ctx.Message().(deliver); ok {
		r.entered.Add(1)
		<-r.gate
		r.items.Add(int64(len(d.Items)))
	}
}

// TestLaneHoldsTheChatBack: while a lane's goroutine is stuck posting (its
// target runs in place and waits, as a connection on a CPU-starved node
// would take long), a chat handing it more than laneMaxPending items waits
// until the lane takes them, instead of running ahead of it (its members
// would pass maxDeliverBacklog and be dropped as slow consumers). Without
// the bound the third fanOut returns at once and the test fails.
func TestLaneHoldsTheChatBack(t *testing.T) {
	sys := actor.NewActorSystem()
	r := &gatedRecorder{gate: make(chan struct{})}
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r }, actor.WithDispatcher(&connDispatcher{})))
	waits := prometheus.NewCounter(prometheus.CounterOpts{Name: "waits"})
	l := fanLane{waits: waits}
	items := func(n int) []deliverItem { return make([]deliverItem, n) }
	l.fanOut(sys, "c", items(1), []*actor.PID{pid})
	poll.Until(t, 10*time.Second, "the lane's goroutine is posting", func() bool { return r.entered.Load() > 0 })
	l.fanOut(sys, "c", items(laneMaxPending-1), []*actor.PID{pid}) // below the bound: returns
	returned := make(chan struct{})
	go func() {
		l.fanOut(sys, "c", items(1), []*actor.PID{pid}) // at the bound: waits
		close(returned)
	}()
	select {
	case <-returned:
		t.Fatal("fanOut returned while the lane held laneMaxPending items it had not taken")
	case <-time.After(100 * time.Millisecond):
	}
	close(r.gate)
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("fanOut still waits after the lane moved")
	}
	poll.Until(t, 10*time.Second, "every item delivered", func() bool { return r.items.Load() == laneMaxPending+1 })
	var m dto.Metric
	if err := waits.Write(&m); err != nil || m.GetCounter().GetValue() != 1 {
		t.Fatalf("linkup_fanout_lane_waits_total = %v (%v), want 1: the one wait is counted", m.GetCounter().GetValue(), err)
	}
}
