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

// TestAdmitUserCountsInTheUserEntry: AdmitUser refuses a user's
// connection past max, ReleaseUser gives the room back, and the count
// lives in the user's entry: an entry whose connection closed stays while
// another connection of the user is being let in, and goes once the last
// is let go.
func TestAdmitUserCountsInTheUserEntry(t *testing.T) {
	n := newGraceNode(t)
	if !n.AdmitUser("ann", 2) || !n.AdmitUser("ann", 2) {
		t.Fatal("the first two connections of ann were refused")
	}
	if n.AdmitUser("ann", 2) {
		t.Fatal("a third connection of ann was let in with max 2")
	}
	if n.AdmitUser("bob", 0) {
		t.Fatal("a connection was let in with max 0")
	}
	n.ReleaseUser("ann")
	if !n.AdmitUser("ann", 2) {
		t.Fatal("ann was refused after one of her two connections was let go")
	}
	open := make(chan struct{})
	close(open)
	s := &gatedSocket{gate: open}
	c := n.Connect(ConnInfo{ConnectionID: "a1", UserID: "ann"}, s)
	c.Handle(protocol.Ping{Ref: "p"})
	waitFor(t, s, `"type":"pong"`)
	c.Closed("test")
	n.ReleaseUser("ann")
	// Offline (the grace is a millisecond), yet one connection of hers is
	// still counted: her entry, and the count, stay.
	poll.Until(t, 10*time.Second, "ann offline", func() bool {
		e, _ := n.presence.p.Load().Get("ann")
		return !e.Online() && e.seen() != 0
	})
	if got := n.users.admitted("ann"); got != 1 {
		t.Fatalf("ann's entry counts %d connections, want 1", got)
	}
	n.ReleaseUser("ann")
	n.ReleaseUser("ann") // one too many: changes nothing
	poll.Until(t, 10*time.Second, "ann forgotten", func() bool { return n.users.len() == 0 })
	if !n.AdmitUser("ann", 1) || n.AdmitUser("ann", 1) {
		t.Fatal("a forgotten user's count did not start from zero")
	}
}

// newGraceNode is a node over a fresh embedded store whose presence grace
// is a millisecond.
func newGraceNode(t *testing.T) *Node {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, PresenceGrace: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
