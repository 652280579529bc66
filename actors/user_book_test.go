package actors

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// TestOnlineUsersAreNotActors: a user online here is an entry in the user
// book, run by its shard's actor, not a Proto.Actor process of its own
// (issue #17: that cost ~800 bytes per idle connection). 50 users with a
// connection each add 50 processes (their connections), their entries go
// once they are offline, and a user back online is an entry again.
func TestOnlineUsersAreNotActors(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, PresenceGrace: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	before := processes(n)
	const users = 50
	conns := make([]*Conn, users)
	for i := range conns {
		s := &gatedSocket{gate: open}
		conns[i] = n.Connect(ConnInfo{ConnectionID: fmt.Sprint("c", i), UserID: fmt.Sprint("u", i)}, s)
		conns[i].Handle(protocol.Ping{Ref: "p"})
		waitFor(t, s, `"type":"pong"`)
	}
	poll.Until(t, 10*time.Second, "every user online", func() bool { return n.users.len() == users })
	// One per connection, and perhaps a node-wide actor started on first
	// use; an actor per user would make it 100.
	if got := processes(n) - before; got < users || got > users+5 {
		t.Fatalf("%d users with a connection each added %d actors, want %d (one per connection) and a few at most", users, got, users)
	}
	for _, c := range conns {
		c.Closed("test")
	}
	poll.Until(t, 10*time.Second, "every user forgotten", func() bool { return n.users.len() == 0 })
	s := &gatedSocket{gate: open}
	n.Connect(ConnInfo{ConnectionID: "again", UserID: "u0"}, s)
	poll.Until(t, 10*time.Second, "u0 online again", func() bool { _, ok := n.users.get("u0"); return ok })
}

// processes counts the actor system's local processes.
func processes(n *Node) int {
	total := 0
	for _, m := range n.system.ProcessRegistry.LocalPIDs.LocalPIDs {
		total += m.Count()
	}
	return total
}
