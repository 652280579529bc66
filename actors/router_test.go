package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
)

// jsonRouter sends every routed command to owner's HandleChat through a
// JSON round trip, as the cluster's grain request does; fail makes the
// owner unreachable; jitter delays each request by up to a millisecond.
type jsonRouter struct {
	owner  *Node
	fail   atomic.Bool
	jitter bool
}

func (r *jsonRouter) Route(_ context.Context, req ChatRequest) (ChatReply, error) {
	if r.fail.Load() {
		return ChatReply{}, errors.New("owner unreachable")
	}
	if r.jitter {
		time.Sleep(time.Duration(rand.IntN(1000)) * time.Microsecond)
	}
	var in ChatRequest
	if b, err := json.Marshal(req); err != nil || json.Unmarshal(b, &in) != nil {
		return ChatReply{}, fmt.Errorf("request does not cross as JSON: %v", err)
	}
	var out ChatReply
	b, err := json.Marshal(r.owner.HandleChat(in))
	if err != nil || json.Unmarshal(b, &out) != nil {
		return ChatReply{}, fmt.Errorf("reply does not cross as JSON: %v", err)
	}
	return out, nil
}

// twoNodes returns node a, whose chat commands go through r to node b,
// and b, on one store.
func twoNodes(t *testing.T, r *jsonRouter) (a, b *Node) {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err = New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	r.owner = b
	a, err = New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, Name: "a", Router: r})
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func openSocket() *gatedSocket {
	open := make(chan struct{})
	close(open)
	return &gatedSocket{gate: open}
}

// TestRoutedChatCommands: a node with a Router sends the commands that
// append to the owner node, which answers through the router; the
// connection gets the answers as from a local chat, in the order it sent
// (each chat's commands wait for the one before), a repeat send gets the
// original ack, a refusal is an error frame, a bulk item's result comes
// back, and an owner out of reach is `unavailable` on a connection that
// stays open.
func TestRoutedChatCommands(t *testing.T) {
	r := &jsonRouter{jitter: true}
	a, b := twoNodes(t, r)
	alice := openSocket()
	ca := a.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, alice)
	ca.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, alice, `"ref":"c"`)
	const n = 30
	for i := 1; i <= n; i++ {
		ca.Handle(protocol.SendMessage{Ref: fmt.Sprint("s", i), ChatID: "c1", ClientMsgID: fmt.Sprint(i), Body: "m"})
	}
	ca.Handle(protocol.SendMessage{Ref: "again", ChatID: "c1", ClientMsgID: "1", Body: "m"})
	waitFor(t, alice, `"ref":"again"`)
	frames, _ := alice.state()
	seq := 0
	for _, f := range frames {
		if strings.Contains(f, `"ref":"s`) {
			if seq++; !strings.Contains(f, fmt.Sprintf(`"ref":"s%d"`, seq)) || !strings.Contains(f, fmt.Sprintf(`"seq":%d,`, seq)) {
				t.Fatalf("ack %d out of order or wrong: %s", seq, f)
			}
		}
		if strings.Contains(f, `"ref":"again"`) && !strings.Contains(f, `"seq":1,`) {
			t.Fatalf("a repeated send did not get the original ack: %s", f)
		}
	}
	if seq != n {
		t.Fatalf("%d acks of %d sends:\n%s", seq, n, strings.Join(frames, "\n"))
	}
	ca.Handle(protocol.EditMessage{Ref: "e", ChatID: "c1", Seq: 99, Body: "x"})
	waitFor(t, alice, `"ref":"e","code":"not_found"`)
	ca.Handle(protocol.BulkReadReceipt{Ref: "bulk", Receipts: []protocol.ReceiptItem{{ChatID: "c1", Seq: 2}}})
	waitFor(t, alice, `"ref":"bulk"`)
	if frames, _ := alice.state(); !strings.Contains(frames[len(frames)-1], `"results":[{"chat_id":"c1","last_read_seq":`) {
		t.Fatalf("bulk_read_receipt: %s", frames[len(frames)-1])
	}
	r.fail.Store(true)
	ca.Handle(protocol.SendMessage{Ref: "lost", ChatID: "c1", ClientMsgID: "lost", Body: "m"})
	waitFor(t, alice, `"ref":"lost","code":"unavailable"`)
	ca.Handle(protocol.Ping{Ref: "p"})
	waitFor(t, alice, `"type":"pong"`)
	if _, closed := alice.state(); closed != "" {
		t.Fatalf("the connection closed: %s", closed)
	}
	if !b.ChatKnown("c1") || b.ChatKnown("nochat") {
		t.Fatal("ChatKnown does not follow the owner's directory")
	}
}

// TestRoutedToOwnConnection: when the owner is the requesting
// connection's node, the chat answers the connection directly (Direct),
// so the sender gets its ack and not its own message, while another
// member's connection gets the message.
func TestRoutedToOwnConnection(t *testing.T) {
	r := &jsonRouter{}
	_, b := twoNodes(t, r)
	b.cfg.Router = r // b routes to itself
	alice, bob := openSocket(), openSocket()
	ca := b.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, alice)
	ca.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, alice, `"ref":"c"`)
	cb := b.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, bob)
	cb.Handle(protocol.Ping{Ref: "p"})
	waitFor(t, bob, `"type":"pong"`)
	ca.Handle(protocol.SendMessage{Ref: "s", ChatID: "c1", ClientMsgID: "1", Body: "hello"})
	waitFor(t, alice, `"ref":"s"`)
	waitFor(t, bob, `"body":"hello"`)
	ca.Handle(protocol.Ping{Ref: "p2"})
	waitFor(t, alice, `"ref":"p2"`)
	frames, _ := alice.state()
	for _, f := range frames {
		if strings.Contains(f, `"type":"message"`) {
			t.Fatalf("the sender got its own message: %s", f)
		}
	}
}

// The routed request and reply cross nodes, so they must be values.
func TestRoutedMessagesAreValues(t *testing.T) {
	for _, m := range []any{ChatRequest{}, ChatReply{}, routedReply{}} {
		if why := notValue(reflect.TypeOf(m), map[reflect.Type]bool{}); why != "" {
			t.Errorf("%T: %s", m, why)
		}
	}
}
