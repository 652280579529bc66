package actors

import (
	"slices"
	"testing"

	"github.com/linkup-chat/linkup/events"
)

// TestDirectoryFollowsMembershipOnceInSeqOrder: the directory follows
// creations, additions and removals; an event it already applied (the
// chat actor applies its own before the log follower sees them) is
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
				d.Apply(ev)
			}
			for user, want := range tc.want {
				if got := d.ChatsOf(user); !slices.Equal(got, want) {
					t.Errorf("%s: chats %v, want %v", user, got, want)
				}
			}
		})
	}
}
