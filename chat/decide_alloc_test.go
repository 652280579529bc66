package chat

import (
	"reflect"
	"testing"
)

// TestDecideOnePostAllocations: a batch of one post, the common batch of
// a small chat, is decided in two allocations: the batch's view and room
// for its reply, event and delivery, made at once, and the event itself
// (four and more before: the view, three slices, the event, the post's
// box). A post held by pointer decides as the same post by value.
func TestDecideOnePostAllocations(t *testing.T) {
	users := manyUsers(5)
	s := foldAll("c", created(users...))
	post := Post{Sender: users[1], ClientMsgID: "m-1", Body: "hello", MessageID: "id-1"}
	byValue := Decide(s, t0, []Command{post})
	cmds := []Command{&post}
	var rd Ready
	allocs := testing.AllocsPerRun(200, func() { rd = Decide(s, t0, cmds) })
	if !reflect.DeepEqual(rd, byValue) {
		t.Fatalf("by pointer %#v, by value %#v", rd, byValue)
	}
	if len(rd.Events) != 1 || len(rd.Replies) != 1 || len(rd.Deliveries) != 1 {
		t.Fatalf("decided %#v, want one event, reply and delivery", rd)
	}
	if allocs > 2 {
		t.Fatalf("deciding one post made %.0f allocations, want at most 2", allocs)
	}
}
