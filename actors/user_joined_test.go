package actors

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
)

// A user actor that starts after the directory has taken a join in finds
// the chat there and subscribes its connections without a welcome; the
// join's userJoined, arriving after, must still welcome them with
// chat_created (it was dropped as "already subscribed", so under load the
// creator's or a new member's device never saw chat_created). The
// connection's own attach may have welcomed it already (the chat was
// created after the node's follower position when it was accepted): it
// then gets chat_created once, not twice.
func TestLateJoinStillWelcomes(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, SyncWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	alice, bob := &gatedSocket{gate: open}, &gatedSocket{gate: open}
	a := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, alice)
	a.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, alice, `"type":"ack"`) // durable: the directory holds c1 for bob
	b := n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, bob)
	b.Handle(protocol.Ping{Ref: "p"})
	waitFor(t, bob, `"type":"pong"`) // bob's attach is queued at his user actor
	n.sendUser("bob", userJoined{ChatID: "c1", Frame: []byte(`{"type":"chat_created","chat_id":"c1","late":true}`), From: 1})
	waitFor(t, bob, `"type":"chat_created"`)
	a.Handle(protocol.SendMessage{Ref: "m", ChatID: "c1", ClientMsgID: "m", Body: "hi"})
	waitFor(t, bob, `"type":"message"`)
	frames, _ := bob.state()
	var created int
	for _, f := range frames {
		if strings.Contains(f, `"type":"chat_created"`) {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("bob got chat_created %d times: %v", created, frames)
	}
}
