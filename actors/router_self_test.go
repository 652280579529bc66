package actors

import (
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/protocol"
)

// TestRoutedPostIsKnownAsOwnWhateverArrivesFirst: a post routed from
// another node is answered through a future, not through the connection,
// so the connection learns its seq only when the routed answer comes back,
// and the chat's delivery to it travels another path and may come first.
// The delivery's item names the connection (origin.Self), so it skips its
// own message even though no ack reached it (a cluster test saw a client
// get its own message once in ~40 runs before).
func TestRoutedPostIsKnownAsOwnWhateverArrivesFirst(t *testing.T) {
	n := unlimitedNode(t)
	aliceSock, bobSock := openSocket(), openSocket()
	alice := n.Connect(ConnInfo{ConnectionID: "a1", UserID: "alice"}, aliceSock)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, aliceSock, `"type":"ack","ref":"c"`)
	bob := n.Connect(ConnInfo{ConnectionID: "b1", UserID: "bob"}, bobSock)
	bob.Handle(protocol.Ping{Ref: "p"}) // its first frame: live items flow from here
	waitFor(t, bobSock, `"type":"pong"`)
	alice.Handle(protocol.Ping{Ref: "p"})
	waitFor(t, aliceSock, `"type":"pong"`)

	// alice's post as HandleChat hands on one routed from another node:
	// answered through a future, the connection named by Self.
	answer := actor.NewFuture(n.system, 10*time.Second)
	n.sendChat("c1", chatPost{origin: origin{Conn: answer.PID(), Self: alice.pid, User: "alice", Ref: "r1", Corr: "x"},
		ClientMsgID: "k1", Body: "routed"})
	if res, err := answer.Result(); err != nil {
		t.Fatalf("no answer to the routed post: %v", err)
	} else if f, ok := res.(ackPosted); !ok || !strings.Contains(string(mustEncode(t, f.Ack)), `"type":"ack"`) {
		t.Fatalf("routed post answered %#v, want its ack", res)
	}
	waitFor(t, bobSock, `"body":"routed"`)
	bob.Handle(protocol.SendMessage{Ref: "s", ChatID: "c1", ClientMsgID: "k2", Body: "after"})
	waitFor(t, aliceSock, `"body":"after"`) // alice's deliveries of the chat are handled up to here
	frames, _ := aliceSock.state()
	for _, f := range frames {
		if strings.Contains(f, `"body":"routed"`) {
			t.Fatalf("alice got her own routed message: %s", f)
		}
	}
}

func mustEncode(t *testing.T, f protocol.Frame) []byte {
	t.Helper()
	b, err := jsonEncoder{}.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
