package projections

import (
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

var t0 = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// writeScript appends a fixed story to st: two chats, messages, reads,
// errors over three hours, noise the projections ignore, and three poison
// events. Its projection is testdata/script.golden.
func writeScript(t testing.TB, st events.Store) {
	t.Helper()
	appendEv(t, st, events.ConnectionStream("k1"), events.ConnectionOpened{ConnectionID: "k1", UserID: "alice", Node: "n1", Protocol: "linkup.v1", At: t0})
	appendEv(t, st, events.ChatStream("c1"), events.ChatCreated{ChatID: "c1", Title: "ops", Members: []string{"alice", "bob", "carol"}, CreatedBy: "alice", At: t0})
	appendEv(t, st, events.ChatStream("c2"), events.ChatCreated{ChatID: "c2", Title: "dm", Members: []string{"bob", "dave"}, CreatedBy: "bob", At: t0})
	for seq := uint64(1); seq <= 5; seq++ {
		sender := []string{"alice", "bob"}[seq%2]
		appendEv(t, st, events.ChatStream("c1"), events.MessagePosted{ChatID: "c1", Seq: seq, MessageID: "m", Sender: sender, Body: "hi", ClientMsgID: "x", SentAt: t0})
	}
	appendEv(t, st, events.ChatStream("c1"),
		events.ChatRead{ChatID: "c1", User: "carol", LastReadSeq: 2, At: t0},
		events.ChatRead{ChatID: "c1", User: "carol", LastReadSeq: 1, At: t0}) // never back
	appendEv(t, st, events.ChatStream("c2"), events.MessagePosted{ChatID: "c2", Seq: 1, Sender: "dave", Body: "yo", SentAt: t0})
	for i, e := range []struct{ typ, sev, user, conn string }{
		{"invalid_payload", "low", "alice", "k1"}, {"invalid_payload", "low", "bob", "k2"},
		{"unknown_type", "medium", "alice", "k1"}, {"invalid_payload", "high", "", ""},
		{"not_member", "low", "carol", "k3"},
	} {
		ev := events.ErrorRecorded{ErrorType: e.typ, Message: "bad " + e.typ, Severity: e.sev, User: e.user, ConnectionID: e.conn,
			Context: map[string]any{"frame_type": "send_message", "i": i}, At: t0.Add(time.Duration(i) * 40 * time.Minute)}
		appendEv(t, st, events.ErrorStream(e.conn), ev)
	}
	// Poison: a message in a chat never created, a read by a non-member,
	// an error whose data does not decode.
	appendEv(t, st, events.ChatStream("ghost"), events.MessagePosted{ChatID: "ghost", Seq: 1, Sender: "eve", SentAt: t0})
	appendEv(t, st, events.ChatStream("c2"), events.ChatRead{ChatID: "c2", User: "alice", LastReadSeq: 1, At: t0})
	appendRaw(t, st, events.ErrorsStream, events.TypeErrorRecorded, `{"error_type": 5}`)
	appendEv(t, st, events.ChatStream("c2"), events.ChatRead{ChatID: "c2", User: "bob", LastReadSeq: 9, At: t0})
	writeDeliveryScript(t, st)
	appendEv(t, st, events.ConnectionStream("k1"), events.ConnectionClosed{ConnectionID: "k1", UserID: "alice", Reason: "bye", At: t0})
}

// writeDeliveryScript is the v1.1 part of the story, in chat c3: a
// message delivered twice (only the first counts), a member added and one
// removed, reads, a deletion.
func writeDeliveryScript(t testing.TB, st events.Store) {
	t.Helper()
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	c3 := events.ChatStream("c3")
	appendEv(t, st, c3,
		events.ChatCreated{ChatID: "c3", Title: "v1.1", Members: []string{"erin", "frank", "gus"}, CreatedBy: "erin", At: at(1)},
		events.MessagePosted{ChatID: "c3", Seq: 1, MessageID: "m1", Sender: "erin", Body: "one", ClientMsgID: "a", SentAt: at(2)},
		events.MessagesDelivered{ChatID: "c3", User: "frank", ConnectionID: "k7", Node: "n1", DeliveredSeq: 1, At: at(3)},
		events.MessagesDelivered{ChatID: "c3", User: "frank", ConnectionID: "k8", Node: "n1", DeliveredSeq: 1, At: at(4)},
		events.MembersAdded{ChatID: "c3", Seq: 2, Users: []string{"hal"}, Members: []string{"erin", "frank", "gus", "hal"}, By: "erin", At: at(5)},
		events.MessagePosted{ChatID: "c3", Seq: 3, MessageID: "m3", Sender: "frank", Body: "three", ClientMsgID: "b", SentAt: at(6)},
		events.ChatRead{ChatID: "c3", User: "gus", LastReadSeq: 3, At: at(7)},
		events.MessagesDelivered{ChatID: "c3", User: "hal", ConnectionID: "k9", Node: "n1", DeliveredSeq: 3, At: at(8)},
		events.MemberRemoved{ChatID: "c3", Seq: 4, User: "gus", Members: []string{"erin", "frank", "hal"}, By: "erin", At: at(9)},
		events.MessageDeleted{ChatID: "c3", Seq: 5, TargetSeq: 1, By: "erin", At: at(10)})
}
