package actors

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// TestIdleChatStopsAndComesBack: once its only member's connection is gone
// and ChatIdleAfter passes without a message, the chat actor stops; the
// next request loads the chat from the log again, seq continues without a
// gap and a retried client_msg_id still gets its original ack.
func TestIdleChatStopsAndComesBack(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, ChatIdleAfter: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	first := &gatedSocket{gate: open}
	c1 := n.Connect(ConnInfo{ConnectionID: "k1", UserID: "alice"}, first)
	c1.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t"})
	waitFor(t, first, `"type":"ack","ref":"c"`)
	c1.Handle(protocol.SendMessage{Ref: "s1", ChatID: "c1", ClientMsgID: "m1", Body: "one"})
	waitFor(t, first, `"type":"ack","ref":"s1"`)
	c1.Closed("test")
	poll.Until(t, 10*time.Second, "the idle chat stopped", func() bool { return metricValue(n.m.chatsIdled) > 0 })
	_, alive := n.chats.get("c1")
	if alive {
		t.Fatal("the idle chat is still registered")
	}
	second := &gatedSocket{gate: open}
	c2 := n.Connect(ConnInfo{ConnectionID: "k2", UserID: "alice"}, second)
	c2.Handle(protocol.SendMessage{Ref: "s2", ChatID: "c1", ClientMsgID: "m2", Body: "two"})
	c2.Handle(protocol.SendMessage{Ref: "again", ChatID: "c1", ClientMsgID: "m1", Body: "one"})
	waitFor(t, second, `"ref":"again"`)
	waitFor(t, second, `"ref":"s2"`)
	frames, _ := second.state()
	seqOf := map[string]string{}
	for _, f := range frames {
		for _, ref := range []string{"s2", "again"} {
			if strings.Contains(f, `"type":"ack","ref":"`+ref+`"`) {
				seqOf[ref] = f[strings.Index(f, `"seq":`):][:7]
			}
		}
	}
	if seqOf["s2"] != `"seq":2` || seqOf["again"] != `"seq":1` {
		t.Fatalf("after reloading: %v, want seq 2 for the new message and the original seq 1 for the retry\n%v", seqOf, frames)
	}
}

// TestIdleStopsRacingWithRequests: with a 20 ms idle time, a member
// connects, posts and leaves 30 times with pauses around the idle time (the
// pauses are the point: they race the idle stop), and every fifth cycle
// waits until the chat has stopped, so the chat stops between cycles and
// sometimes while a request is on its way; every post is acked exactly
// once with the next seq, and each retry gets its original seq.
func TestIdleStopsRacingWithRequests(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, ChatIdleAfter: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	setup := &gatedSocket{gate: open}
	c0 := n.Connect(ConnInfo{ConnectionID: "k0", UserID: "alice"}, setup)
	c0.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t"})
	waitFor(t, setup, `"type":"ack","ref":"c"`)
	c0.Closed("test")
	for i := 1; i <= 30; i++ {
		if i%5 == 0 { // stopped before this cycle
			poll.Until(t, 10*time.Second, "the chat stopped", func() bool {
				_, alive := n.chats.get("c1")
				return !alive
			})
		} else {
			time.Sleep(time.Duration(i%4) * 10 * time.Millisecond) // 0 to 30 ms: around the idle time, racing the stop
		}
		sock := &gatedSocket{gate: open}
		c := n.Connect(ConnInfo{ConnectionID: fmt.Sprint("k", i), UserID: "alice"}, sock)
		c.Handle(protocol.SendMessage{Ref: "new", ChatID: "c1", ClientMsgID: fmt.Sprint("m", i), Body: "x"})
		c.Handle(protocol.SendMessage{Ref: "retry", ChatID: "c1", ClientMsgID: fmt.Sprint("m", (i+1)/2), Body: "x"})
		waitFor(t, sock, `"type":"ack","ref":"new"`)
		waitFor(t, sock, `"type":"ack","ref":"retry"`)
		frames, _ := sock.state()
		for _, f := range frames {
			if strings.Contains(f, `"ref":"new"`) && !strings.Contains(f, fmt.Sprintf(`"seq":%d,`, i)) {
				t.Fatalf("cycle %d: new message acked %s", i, f)
			}
			if strings.Contains(f, `"ref":"retry"`) && !strings.Contains(f, fmt.Sprintf(`"seq":%d,`, (i+1)/2)) {
				t.Fatalf("cycle %d: retry of m%d acked %s", i, (i+1)/2, f)
			}
		}
		c.Closed("test")
	}
	if metricValue(n.m.chatsIdled) < 6 {
		t.Fatalf("the chat went idle %v times; the six waits for it alone should see it stop six times", metricValue(n.m.chatsIdled))
	}
	t.Logf("the chat stopped %v times in 30 cycles", metricValue(n.m.chatsIdled))
}
