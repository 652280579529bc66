package chat

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/linkup-chat/linkup/events"
)

// TestCloneIsIndependent: events applied to a clone leave the state it
// was cloned from as it was (members, pointers, dedup window, timeline,
// deletions), and the clone decides as the original would have after the
// same events.
func TestCloneIsIndependent(t *testing.T) {
	s := foldAll("c", created("ann", "bob"), posted(1, "ann", "x"))
	before := foldAll("c", created("ann", "bob"), posted(1, "ann", "x"))
	c := s.Clone()
	more := []events.Event{posted(2, "bob", "y"),
		events.ChatRead{ChatID: "c", User: "bob", LastReadSeq: 2, At: t0},
		events.MembersAdded{ChatID: "c", Users: []string{"cy"}, Members: []string{"ann", "bob", "cy"}, By: "ann", Seq: 3, At: t0},
		events.MessageDeleted{ChatID: "c", Seq: 4, TargetSeq: 1, By: "ann", At: t0},
	}
	for i, ev := range more {
		c.Apply(ev, uint64(2+i))
	}
	if !reflect.DeepEqual(s, before) {
		t.Fatalf("original changed:\n%+v\nwant\n%+v", s, before)
	}
	if _, ok := s.Posted("bob", "y"); ok || s.IsMember("cy") || s.LatestSeq != 1 {
		t.Fatal("original sees the clone's events")
	}
	if seq, ok := c.Posted("bob", "y"); !ok || seq != 2 || !c.IsMember("cy") || c.LatestSeq != 4 || c.Read["bob"] != 2 {
		t.Fatalf("clone: %+v", c)
	}
	if _, r := decideOne(c, Post{Sender: "bob", ClientMsgID: "y", Body: "b", MessageID: "z"}); r.Original != 2 {
		t.Fatalf("a resend decided on the clone: %+v", r)
	}
}

// BenchmarkClone is the copy a chat makes when it starts a run of
// pipelined appends: it grows with the chat's history (two slices with
// one entry per seq, the maps of deletions and edits), which is why the
// chat actor pipelines only up to a bound on its items.
func BenchmarkClone(b *testing.B) {
	for _, n := range []int{1_000, 16_384, 100_000} {
		b.Run(fmt.Sprint("items=", n), func(b *testing.B) {
			s := foldAll("c", created("ann", "bob"))
			for i := 1; i <= n; i++ {
				s.Apply(posted(uint64(i), "ann", fmt.Sprint("m", i)), uint64(i))
			}
			b.ResetTimer()
			for range b.N {
				_ = s.Clone()
			}
		})
	}
}
