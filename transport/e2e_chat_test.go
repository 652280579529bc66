package transport_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/transport"
)

func TestPingPongEchoesRef(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	c := n.Dial(t, "alice")
	testnode.MustType(t, call(t, c, map[string]any{"type": "ping"}), "pong")
}

func TestCreateChatReachesEveryMemberConnection(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob) // bob's user actor is attached before the chat exists
	createChat(t, alice, "c1", "bob")
	for _, c := range []*client.Client{alice, bob} {
		f, err := c.Expect(wait, client.Is("chat_created"))
		if err != nil {
			t.Fatal(err)
		}
		if f.Str("chat_id") != "c1" || f.Str("created_by") != "alice" {
			t.Fatalf("chat_created %s", f.Raw)
		}
	}
	testnode.ExpectError(t, call(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1", "title": "again"}), "conflict")
	f := testnode.MustType(t, call(t, alice, map[string]any{"type": "create_chat", "title": "no id"}), "ack")
	if f.Str("chat_id") == "" {
		t.Fatalf("generated chat id missing: %s", f.Raw)
	}
}

func TestSendMessageAckIsDurableAndFansOutInOrder(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, alice2, bob := n.Dial(t, "alice"), n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, alice2)
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	for i, body := range []string{"one", "two", "three"} {
		ack := sendMsg(t, alice, "c1", body, body)
		if int(ack.Num("seq")) != i+1 || ack.Str("message_id") == "" || ack.Str("sent_at") == "" {
			t.Fatalf("ack %s", ack.Raw)
		}
		// The ack comes after the append: the event is in the store now.
		if got := storedEvents(t, n.Store, events.TypeMessagePosted, i+1); len(got) != i+1 {
			t.Fatalf("after ack %d, %d MessagePosted stored", i+1, len(got))
		}
	}
	for _, c := range []*client.Client{bob, alice2} { // the sender's other device too
		for want := 1; want <= 3; want++ {
			f, err := c.Expect(wait, client.Is("message"))
			if err != nil {
				t.Fatal(err)
			}
			if int(f.Num("seq")) != want || f.Str("sender") != "alice" {
				t.Fatalf("message %s, want seq %d", f.Raw, want)
			}
		}
	}
}

func TestSendMessageIsIdempotentByClientMsgID(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	createChat(t, alice, "c1")
	first := sendMsg(t, alice, "c1", "m-1", "hello")
	again := sendMsg(t, alice, "c1", "m-1", "hello")
	if first.Str("message_id") != again.Str("message_id") || first.Num("seq") != again.Num("seq") {
		t.Fatalf("repeat got a different ack: %s vs %s", first.Raw, again.Raw)
	}
	if got := storedEvents(t, n.Store, events.TypeMessagePosted, 1); len(got) != 1 {
		t.Fatalf("%d MessagePosted stored, want 1", len(got))
	}
}

func TestTypingReachesOthersAndIsNotStored(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	if _, err := bob.Expect(wait, client.Is("chat_created")); err != nil {
		t.Fatal(err) // from here on bob is subscribed
	}
	if err := alice.Send(map[string]any{"type": "typing", "chat_id": "c1", "is_typing": true}); err != nil {
		t.Fatal(err)
	}
	f, err := bob.Expect(wait, client.Is("typing"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Str("user") != "alice" || f.Fields["is_typing"] != true {
		t.Fatalf("typing %s", f.Raw)
	}
	for rec, err := range n.Store.ReadAll(context.Background(), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Type != events.TypeChatCreated && rec.Type != events.TypeConnectionOpened {
			t.Fatalf("typing stored something: %s", rec.Type)
		}
	}
}

// The fallback reader (one goroutine per connection, used off Linux) speaks
// the same protocol as the epoll reader.
func TestGoroutinePerConnReaderSpeaksTheProtocol(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Transport: transport.Config{GoroutinePerConn: true}})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	sendMsg(t, alice, "c1", "1", "hello")
	if f, err := bob.Expect(wait, client.Is("message")); err != nil || f.Str("body") != "hello" {
		t.Fatalf("message: %v %s", err, f.Raw)
	}
}

// The keepalive sweep runs very often here while clients connect: a
// connection still in its handshake must not be touched (it used to be
// ended with no socket yet, a nil dereference that killed the server).
func TestKeepaliveSweepDuringHandshakes(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Transport: transport.Config{PingInterval: time.Millisecond, PongTimeout: time.Hour}})
	for i := range 200 {
		c, err := client.Dial(context.Background(), n.URL, client.Options{Token: testnode.Token(t, fmt.Sprint("u", i))})
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		_ = c.Close()
	}
	expectAlive(t, n.Dial(t, "last"))
}

// With DirectWrites the delivering actor writes idle sockets itself; the
// protocol must not notice.
func TestDirectWritesSpeakTheProtocol(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Transport: transport.Config{DirectWrites: true}})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	for i := range 50 {
		sendMsg(t, alice, "c1", fmt.Sprint(i), fmt.Sprint("m", i))
	}
	for want := 1; want <= 50; want++ {
		f, err := bob.Expect(wait, client.Is("message"))
		if err != nil || int(f.Num("seq")) != want {
			t.Fatalf("message %d: %v %s", want, err, f.Raw)
		}
	}
}
