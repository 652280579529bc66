package actors

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
)

// decided decides cmds against s as the chat actor does and returns the
// batch as a flight at the revision that follows s.
func decided(t *testing.T, s *ChatState, cmds ...chat.Command) *flight {
	t.Helper()
	rd := chat.Decide(s, time.Unix(1700000000, 0), cmds)
	if len(rd.Events) == 0 {
		t.Fatalf("no events: %+v", rd.Replies)
	}
	f := &flight{ready: rd}
	if s.Created {
		f.rev = s.Revision + 1
	}
	return f
}

// commitFlight does what commitState does to the state and the twin.
func commitFlight(c *chatActor, f *flight) {
	before := c.state.Applied()
	c.state.Advance(f.ready, f.rev)
	c.followTwin(f, f.rev, before)
}

func posts(from, n int) []chat.Command {
	var out []chat.Command
	for i := from; i < from+n; i++ {
		u := fmt.Sprint("u", i%3)
		out = append(out, chat.Post{Sender: u, ClientMsgID: fmt.Sprint("m", i), Body: "hi", MessageID: fmt.Sprint("id", i)})
	}
	return out
}

// TestTwinStaysEqualToTheState: a run of pipelined flights that all
// commit leaves its spec as the twin; single commits keep the twin in
// step; the next run's spec is the twin (no clone) and equals what a
// clone of the state would be, so it decides the same: a resent
// client_msg_id finds its seq, the next seq follows the last.
func TestTwinStaysEqualToTheState(t *testing.T) {
	c := &chatActor{state: chat.NewState("c1")}
	commitFlight(c, decided(t, c.state, chat.Create{By: "u0", Title: "t", Members: []string{"u0", "u1", "u2"}}))

	// A run of two flights: the second decided on the spec.
	f1 := decided(t, c.state, posts(0, 2)...)
	c.flights = []*flight{f1}
	f2 := decided(t, c.specState(), posts(2, 3)...)
	c.advanceSpec(f2)
	c.flights = append(c.flights, f2)
	c.popFlight()
	commitFlight(c, f1)
	if c.twin.s != nil {
		t.Fatal("a twin while a flight is in flight")
	}
	c.popFlight()
	commitFlight(c, f2)
	if c.twin.s == nil {
		t.Fatal("the finished run's spec did not become the twin")
	}
	// Single flights, no spec: the twin follows.
	for i := range 3 {
		commitFlight(c, decided(t, c.state, posts(5+2*i, 2)...))
	}
	twin := c.twin.s
	want := c.state.Clone()
	if !reflect.DeepEqual(twin, want) {
		t.Fatalf("twin %+v\nstate %+v", twin, want)
	}
	// The next run takes it.
	c.flights = []*flight{decided(t, c.state, posts(11, 1)...)}
	if spec := c.specState(); spec != twin {
		t.Fatal("the spec was cloned, not the twin")
	}
	rd := chat.Decide(c.spec, time.Unix(1700000000, 0), []chat.Command{chat.Post{Sender: "u1", ClientMsgID: "m1", Body: "hi", MessageID: "x"}})
	if len(rd.Events) != 0 || rd.Replies[0].Err != nil || rd.Replies[0].Original != 2 {
		t.Fatalf("a resend decided on the spec: %+v", rd.Replies)
	}
}

// TestTwinDroppedWhenTheStateMovesAlone: an event applied to the state
// alone (another appender's, from the log) makes the twin unusable; the
// spec is then a clone.
func TestTwinDroppedWhenTheStateMovesAlone(t *testing.T) {
	c := &chatActor{state: chat.NewState("c1")}
	commitFlight(c, decided(t, c.state, chat.Create{By: "u0", Title: "t", Members: []string{"u0", "u1", "u2"}}))
	c.twin = twinState{s: c.state.Clone(), of: c.state, mark: c.state.Applied()}
	other := decided(t, c.state, posts(0, 1)...)
	c.state.Advance(other.ready, other.rev) // not through commitState
	commitFlight(c, decided(t, c.state, posts(1, 1)...))
	if s := c.takeTwin(); s != nil {
		t.Fatal("a twin that missed an event was taken")
	}
	c.twin = twinState{s: c.state.Clone(), of: c.state, mark: c.state.Applied()}
	c.state.Revision++ // moved by hand, as for an event of an unknown type
	if s := c.takeTwin(); s != nil {
		t.Fatal("a twin behind the state's revision was taken")
	}
}

// TestOwnEventsHandedBackAreNotHeld: while appends are in flight a chat
// holds what the follower hands it, except the events it has applied
// since its load (its own appends, back from the log: observing them does
// nothing); those it loaded and those it has not applied are held.
func TestOwnEventsHandedBackAreNotHeld(t *testing.T) {
	c := &chatActor{state: chat.NewState("c1"), loaded: true}
	commitFlight(c, decided(t, c.state, chat.Create{By: "u0", Title: "t", Members: []string{"u0", "u1"}}))
	c.loadedNext = c.nextRevision() // revision 0 came with the load
	commitFlight(c, decided(t, c.state, posts(0, 2)...))
	for rev := range c.nextRevision() + 2 {
		c.holdObserved(events.RecordedEvent{Revision: rev, Type: events.TypeMessagePosted})
	}
	var held []uint64
	for _, rec := range c.observed {
		held = append(held, rec.Revision)
	}
	if fmt.Sprint(held) != "[0 3 4]" {
		t.Fatalf("held revisions %v, want [0 3 4]", held)
	}
}
