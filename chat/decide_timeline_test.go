package chat

import (
	"fmt"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// TestAddMembersKeepsTheCap: a chat never holds more than MaxMembers; an
// addition that would pass it is refused whole, one that reaches it is
// stored.
func TestAddMembersKeepsTheCap(t *testing.T) {
	members := make([]string, MaxMembers-1)
	for i := range members {
		members[i] = fmt.Sprint("u", i)
	}
	s := NewState("c")
	s.Apply(events.ChatCreated{ChatID: "c", Members: members, CreatedBy: "u0"}, 0)
	tests := []struct {
		name   string
		users  []string
		code   Code
		stored bool
	}{
		{"two past the cap", []string{"x", "y"}, CodeInvalidPayload, false},
		{"one to the cap, and one already in", []string{"x", "u3"}, "", true},
		{"only members already in", []string{"u1", "u2"}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := Decide(s, time.Time{}, []Command{AddMembers{By: "u1", Users: tc.users}})
			r := rd.Replies[0]
			switch {
			case tc.code != "" && (r.Err == nil || r.Err.Code != tc.code):
				t.Fatalf("reply %+v, want %s", r, tc.code)
			case tc.code == "" && r.Err != nil:
				t.Fatalf("refused: %v", r.Err)
			case r.Stored != tc.stored:
				t.Fatalf("stored %v, want %v", r.Stored, tc.stored)
			}
			if r.Stored {
				s.Advance(rd, s.Revision+1)
				if len(s.Members) != MaxMembers || len(r.Members) != MaxMembers {
					t.Fatalf("%d members after, reply %d", len(s.Members), len(r.Members))
				}
			}
		})
	}
}
