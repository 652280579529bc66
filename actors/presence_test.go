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

// TestPresenceFrameAndGetPresenceAgree: the presence owner publishes a
// change before it tells the audience, so a client that gets a `presence`
// frame and then asks get_presence hears the same status, every time
// (alice comes and goes 20 times, with a 1 ms grace).
func TestPresenceFrameAndGetPresenceAgree(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, PresenceGrace: time.Millisecond,
		Limits: Limits{FramesPerSecond: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	first := &gatedSocket{gate: open}
	a0 := n.Connect(ConnInfo{ConnectionID: "a0", UserID: "alice"}, first)
	a0.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, first, `"type":"ack","ref":"c"`)
	a0.Closed("test")
	bobSock := &gatedSocket{gate: open}
	bob := n.Connect(ConnInfo{ConnectionID: "b", UserID: "bob"}, bobSock)
	agree := func(i int, status string) {
		t.Helper()
		ref := fmt.Sprintf("p-%s-%d", status, i)
		bob.Handle(protocol.GetPresence{Ref: ref, Users: []string{"alice"}})
		waitFor(t, bobSock, `"ref":"`+ref+`"`)
		for _, f := range frameList(bobSock) {
			if strings.Contains(f, `"ref":"`+ref+`"`) && !strings.Contains(f, `"status":"`+status+`"`) {
				t.Fatalf("cycle %d: bob got alice's %s frame, then get_presence said %s", i, status, f)
			}
		}
	}
	bob.Handle(protocol.Ping{Ref: "ping"}) // its first frame: until then a new connection holds what it is sent
	waitFor(t, bobSock, `"type":"pong"`)
	// a0's 1 ms grace must end before the first cycle: a connection opened
	// within it keeps alice online, and then no online frame is due (a
	// loaded machine ran a1 inside it).
	if !poll.Within(10*time.Second, func() bool {
		ref := fmt.Sprint("gone-", len(frameList(bobSock)))
		bob.Handle(protocol.GetPresence{Ref: ref, Users: []string{"alice"}})
		waitFor(t, bobSock, `"ref":"`+ref+`"`)
		for _, f := range frameList(bobSock) {
			if strings.Contains(f, `"ref":"`+ref+`"`) {
				return strings.Contains(f, `"status":"`+protocol.StatusOffline+`"`)
			}
		}
		return false
	}) {
		t.Fatal("alice stayed online after her only connection closed")
	}
	for i := 1; i <= 20; i++ {
		start := len(frameList(bobSock))
		ai := n.Connect(ConnInfo{ConnectionID: fmt.Sprint("a", i), UserID: "alice"}, &gatedSocket{gate: open})
		waitPresence(t, bobSock, start, protocol.StatusOnline)
		agree(i, protocol.StatusOnline)
		start = len(frameList(bobSock))
		ai.Closed("test")
		waitPresence(t, bobSock, start, protocol.StatusOffline)
		agree(i, protocol.StatusOffline)
	}
}

func frameList(s *gatedSocket) []string {
	frames, _ := s.state()
	return frames
}

// waitPresence waits for a presence frame about alice with status among
// the frames from index start on.
func waitPresence(t *testing.T, s *gatedSocket, start int, status string) {
	t.Helper()
	if !poll.Within(10*time.Second, func() bool {
		for _, f := range frameList(s)[start:] {
			if strings.Contains(f, `"type":"presence"`) && strings.Contains(f, `"user":"alice"`) && strings.Contains(f, `"status":"`+status+`"`) {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no presence frame of alice %s; bob's frames: %v", status, frameList(s))
	}
}

// TestPresenceHereAndElsewhere: the presence owner counts a user online
// while they are connected here or on another node, and offline only when
// neither holds (the book's entry, not a map of its own, says "here").
func TestPresenceHereAndElsewhere(t *testing.T) {
	n, _ := newTestNode(t)
	o := &presenceOwner{node: n, book: newPresenceBook(), remote: map[string]map[string]bool{}}
	online := func() bool {
		e, _ := o.book.p.Load().Get("alice")
		return e.Online()
	}
	yes, no := true, false
	o.set("alice", &yes, time.Time{})
	o.onRemote(nil, presenceRemote{User: "alice", Conn: "x", Open: true})
	o.set("alice", &no, time.Now())
	if !online() {
		t.Fatal("alice left this node but is connected to another: she must stay online")
	}
	o.remote = map[string]map[string]bool{} // her remote connection's grace ended
	o.publish("alice", time.Time{})
	if online() {
		t.Fatal("alice is connected nowhere: she must be offline")
	}
	o.onRemote(nil, presenceRemote{User: "alice", Conn: "y", Open: true})
	o.remote = map[string]map[string]bool{}
	o.publish("alice", time.Time{})
	if online() {
		t.Fatal("alice's last here was offline: a remote connection's end must leave her offline")
	}
	o.set("alice", &yes, time.Time{})
	o.publish("alice", time.Time{}) // a remote change keeps "here"
	if !online() {
		t.Fatal("alice is connected here: a remote change must not take her offline")
	}
}
