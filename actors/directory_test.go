package actors

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// TestDirectoryFollowsMembershipOnceInSeqOrder: the directory follows
// creations, additions and removals; an event it already applied (the
// node's own appends reach the owner before the log follower sees them) is
// skipped, so replaying older events never undoes a later change.
func TestDirectoryFollowsMembershipOnceInSeqOrder(t *testing.T) {
	created := events.ChatCreated{ChatID: "c1", Members: []string{"alice", "bob"}, CreatedBy: "alice"}
	addCarol := events.MembersAdded{ChatID: "c1", Seq: 2, Users: []string{"carol"}}
	removeBob := events.MemberRemoved{ChatID: "c1", Seq: 3, User: "bob"}
	removeCarol := events.MemberRemoved{ChatID: "c1", Seq: 5, User: "carol"}
	tests := []struct {
		name string
		evs  []events.Event
		want map[string][]string
	}{
		{"in order", []events.Event{created, addCarol, removeBob},
			map[string][]string{"alice": {"c1"}, "bob": nil, "carol": {"c1"}}},
		{"the follower replays what the chat applied", []events.Event{created, addCarol, removeBob, removeCarol, created, addCarol, removeBob, removeCarol},
			map[string][]string{"alice": {"c1"}, "bob": nil, "carol": nil}},
		{"a removal and a re-addition", []events.Event{created, removeBob, events.MembersAdded{ChatID: "c1", Seq: 4, Users: []string{"bob"}}},
			map[string][]string{"alice": {"c1"}, "bob": {"c1"}}},
		{"other events change nothing", []events.Event{created, events.MessagePosted{ChatID: "c1", Seq: 1, Sender: "alice"}},
			map[string][]string{"alice": {"c1"}, "bob": {"c1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDirectory()
			for _, ev := range tc.evs {
				d = d.With(ev)
			}
			for user, want := range tc.want {
				if got := d.ChatsOf(user); !slices.Equal(got, want) {
					t.Errorf("%s: chats %v, want %v", user, got, want)
				}
			}
		})
	}
}

// TestDirectoryVersionsNeverChange: a version, once made, reads the same
// whatever versions are made from it later (actors read a published
// version while the owner makes the next one).
func TestDirectoryVersionsNeverChange(t *testing.T) {
	v1 := NewDirectory().With(events.ChatCreated{ChatID: "c1", Members: []string{"alice", "bob"}})
	aliceChats := v1.ChatsOf("alice")
	c1Members, _ := v1.Audience("bob", 10, 10)
	v2 := v1.With(
		events.MemberRemoved{ChatID: "c1", Seq: 2, User: "alice"},
		events.ChatCreated{ChatID: "c2", Members: []string{"bob", "carol"}},
		events.MembersAdded{ChatID: "c1", Seq: 3, Users: []string{"dave"}},
	)
	_ = append(v2.ChatsOf("bob"), "scribbled") // a careless caller's append must not reach the version
	if got := v1.ChatsOf("alice"); !slices.Equal(got, []string{"c1"}) || !slices.Equal(aliceChats, []string{"c1"}) {
		t.Fatalf("v1 changed: alice in %v (read before: %v)", got, aliceChats)
	}
	if got, _ := v1.Audience("bob", 10, 10); !slices.Equal(got, []string{"alice"}) || !slices.Equal(c1Members, []string{"alice"}) {
		t.Fatalf("v1 changed: bob's audience %v", got)
	}
	if got := v2.ChatsOf("bob"); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Fatalf("v2: bob in %v", got)
	}
	if got, _ := v2.Audience("bob", 10, 10); !slices.Equal(got, []string{"dave", "carol"}) {
		t.Fatalf("v2: bob's audience %v, want dave, carol", got)
	}
	if v2.SharesChat("alice", "bob") || !v1.SharesChat("alice", "bob") {
		t.Fatal("SharesChat reads the wrong version")
	}
}

// TestOwnMembershipShowsBeforeTheChatHearsOfIt: when a batch that
// changes membership is durable, the chat learns it (appendDone) only
// after the directory's owner has published the change, so what the chat
// then does (its ack, userJoined) is seen with the chat in the directory:
// a probe standing for the chat finds the change published every time the
// completion reaches it.
func TestOwnMembershipShowsBeforeTheChatHearsOfIt(t *testing.T) {
	n, _ := newTestNode(t)
	const rounds = 200
	seen := make(chan bool, rounds)
	probe := n.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(appendDone); ok {
			seen <- slices.Contains(n.dir.ChatsOf("bob"), fmt.Sprint("c", m.Batch))
		}
	}))
	for i := range uint64(rounds) {
		created := events.ChatCreated{ChatID: fmt.Sprint("c", i), Members: []string{"alice", "bob"}}
		n.appended(probe, []events.Event{created}, appendDone{Batch: i})
	}
	for i := range rounds {
		if !<-seen {
			t.Fatalf("round %d: the chat heard its batch was durable before the directory showed it", i)
		}
	}
}

// TestDirectoryFollowsOtherNodes: a chat created through one node shows in
// the directory of another node on the same log (its follower hands the
// owner the log's membership events), and so in its connections' status.
func TestDirectoryFollowsOtherNodes(t *testing.T) {
	a, st := newTestNode(t)
	b, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sa := &gatedSocket{gate: open}
	a.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa).Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, sa, `"type":"ack","ref":"c"`)
	poll.Until(t, 10*time.Second, "node b's directory has c1", func() bool { return slices.Contains(b.dir.ChatsOf("bob"), "c1") })
	sb := &gatedSocket{gate: open}
	b.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb).Handle(protocol.GetConnectionStatus{Ref: "st"})
	waitFor(t, sb, `"chats":["c1"]`)
}

// newTestNode starts a node on a fresh embedded store.
func newTestNode(t *testing.T) (*Node, *embedded.Store) {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := unlimitedConfig(st)
	cfg.Name, cfg.Limits.ChatsPerSecond = "a", 1e6
	return mustNew(t, cfg), st
}

// unlimitedConfig is a node on st whose message and frame rate limits do
// not get in a test's way.
func unlimitedConfig(st events.Store) Config {
	return Config{Store: st, Encoder: jsonEncoder{}, Limits: Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6}}
}

// unlimitedNode starts a node on a fresh embedded store (closed when the
// test ends) with the rate limits out of the way.
func unlimitedNode(t *testing.T) *Node {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return mustNew(t, unlimitedConfig(st))
}

// mustNew starts a node with cfg or fails the test.
func mustNew(t *testing.T, cfg Config) *Node {
	t.Helper()
	n, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
