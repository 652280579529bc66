package actors

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/protocol"
)

// neverBlocking is a gatedSocket with an open gate that declares itself a
// NonBlockingSocket, as transport's socket does.
type neverBlocking struct{ gatedSocket }

func (*neverBlocking) NeverBlocks() {}

// TestNonBlockingConnectionsRunInPlace: the actor of a connection whose
// socket never blocks handles a message on the goroutine that sends it
// (connDispatcher): the pong is on the socket when Handle returns, every
// time, and deliveries from a chat reach it in order. A socket that may
// block keeps a goroutine per mailbox run (TestDeliveryBacklogIsBounded).
func TestNonBlockingConnectionsRunInPlace(t *testing.T) {
	n := unlimitedNode(t)
	open := make(chan struct{})
	close(open)
	alice, bob := &neverBlocking{gatedSocket{gate: open}}, &neverBlocking{gatedSocket{gate: open}}
	a := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, alice)
	for i := range 200 {
		a.Handle(protocol.Ping{Ref: fmt.Sprint("p", i)})
		frames, _ := alice.state()
		if len(frames) != i+1 || !strings.Contains(frames[i], fmt.Sprintf(`"ref":"p%d"`, i)) {
			t.Fatalf("ping %d: the socket holds %d frames when Handle returns, want the pong in place", i, len(frames))
		}
	}
	a.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, &alice.gatedSocket, `"ref":"c"`)
	n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, bob)
	const posts = 300
	for i := range posts {
		a.Handle(protocol.SendMessage{Ref: fmt.Sprint("s", i), ChatID: "c1", ClientMsgID: fmt.Sprint(i), Body: "x"})
	}
	waitFor(t, &bob.gatedSocket, fmt.Sprintf(`"client_msg_id":"%d"`, posts-1))
	frames, _ := bob.state()
	got, last := 0, 0
	for _, f := range frames {
		var seq int
		if !strings.Contains(f, `"type":"message"`) {
			continue
		}
		if _, err := fmt.Sscanf(f[strings.Index(f, `"seq":`):], `"seq":%d,`, &seq); err != nil || seq <= last {
			t.Fatalf("message after seq %d out of order: %s", last, f)
		}
		got, last = got+1, seq
	}
	if got != posts {
		t.Fatalf("bob got %d of %d messages", got, posts)
	}
}
