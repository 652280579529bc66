package chat_test

import (
	"fmt"
	"time"

	"github.com/linkup-chat/linkup/chat"
)

// A driver decides a batch, appends its events, and once they are durable
// advances the state and sends the replies and deliveries.
func Example() {
	s := chat.NewState("ops")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rd := chat.Decide(s, now, []chat.Command{
		chat.Create{By: "alice", Title: "ops", Members: []string{"bob"}},
		chat.Post{Sender: "alice", ClientMsgID: "c1", Body: "deploy at noon", MessageID: "m1"},
		chat.Post{Sender: "alice", ClientMsgID: "c1", Body: "deploy at noon", MessageID: "m2"}, // a retry
		chat.Read{User: "bob", ToLatest: true},
		chat.Post{Sender: "mallory", ClientMsgID: "x", Body: "hi", MessageID: "m3"},
	})
	for _, e := range rd.Events {
		fmt.Printf("append %s\n", e.Event.EventType())
	}
	s.Advance(rd, 0) // the append was durable at revisions 0..2
	for _, r := range rd.Replies {
		switch {
		case r.Err != nil:
			fmt.Printf("reply %d: %v\n", r.Cmd, r.Err)
		case r.Posted.Seq > 0:
			fmt.Printf("reply %d: ack seq %d (%s)\n", r.Cmd, r.Posted.Seq, r.Posted.MessageID)
		default:
			fmt.Printf("reply %d: ok, last read %d\n", r.Cmd, r.LastRead)
		}
	}
	fmt.Printf("latest %d, bob unread %d, revision %d\n", s.LatestSeq, s.Unread("bob"), s.Revision)
	// Output:
	// append ChatCreated
	// append MessagePosted
	// append ChatRead
	// reply 0: ok, last read 0
	// reply 1: ack seq 1 (m1)
	// reply 2: ack seq 1 (m1)
	// reply 3: ok, last read 1
	// reply 4: not_member: not a member of this chat
	// latest 1, bob unread 0, revision 2
}
