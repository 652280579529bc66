package transport_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// members returns the "members" list of a frame.
func members(t *testing.T, f client.Frame) []string {
	t.Helper()
	var v struct {
		Members []string `json:"members"`
	}
	if err := f.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v.Members
}

// historyItems returns the items of a history reply.
func historyItems(t *testing.T, f client.Frame) []map[string]any {
	t.Helper()
	testnode.MustType(t, f, "history")
	var v struct {
		Messages []map[string]any `json:"messages"`
	}
	if err := f.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v.Messages
}

func history(t *testing.T, c *client.Client, chat string) []map[string]any {
	t.Helper()
	return historyItems(t, call(t, c, map[string]any{"type": "get_history", "chat_id": chat}))
}

// kinds lists the items' seq:type.
func kinds(items []map[string]any) string {
	var parts []string
	for _, it := range items {
		typ, _ := it["type"].(string)
		parts = append(parts, jsonNum(it["seq"])+":"+typ)
	}
	return strings.Join(parts, " ")
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// expectNothingOfChat proves c got no frame of chat (up to a ping's pong).
func expectNothingOfChat(t *testing.T, c *client.Client, chat string) {
	t.Helper()
	ref := "quiet"
	if err := c.Send(map[string]any{"type": "ping", "ref": ref}); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := c.Next(wait)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "pong" && f.Ref() == ref {
			return
		}
		if f.Str("chat_id") == chat {
			t.Fatalf("a removed member got %s", f.Raw)
		}
	}
}

func chatSummary(t *testing.T, c *client.Client, chat string) (map[string]any, bool) {
	t.Helper()
	f := testnode.MustType(t, call(t, c, map[string]any{"type": "list_chats"}), "chats")
	var v struct {
		Chats []map[string]any `json:"chats"`
	}
	if err := f.Decode(&v); err != nil {
		t.Fatal(err)
	}
	for _, s := range v.Chats {
		if s["chat_id"] == chat {
			return s, true
		}
	}
	return nil, false
}

// TestMembershipChangesReachEveryConnectionAndRemovalCutsTheChatOff: any
// member adds (ack with the whole list; members_changed to every
// connection of every member, old and new, the acting one included; new
// members also get chat_created); the creator removes someone; from then
// on that user's two devices get nothing of the chat and not_member for
// it, and list_chats and get_connection_status no longer name it. A member
// added later sees the whole history, starting to read at the item that
// added them.
func TestMembershipChangesReachEveryConnectionAndRemovalCutsTheChatOff(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	carol1, carol2 := n.Dial(t, "carol"), n.Dial(t, "carol")
	for _, c := range []*client.Client{bob, carol1, carol2} {
		expectAlive(t, c)
	}
	createChat(t, alice, "c1", "bob")
	sendMsg(t, alice, "c1", "m1", "before carol")

	ack := testnode.MustType(t, call(t, bob, map[string]any{"type": "add_members", "chat_id": "c1", "members": []string{"carol", "alice"}}), "ack")
	if got := members(t, ack); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
		t.Fatalf("add ack members %v", got)
	}
	for _, c := range []*client.Client{carol1, carol2} {
		if f, err := c.Expect(wait, client.Is("chat_created")); err != nil || f.Str("chat_id") != "c1" {
			t.Fatalf("new member's device: chat_created %s %v", f.Raw, err)
		}
	}
	for _, c := range []*client.Client{alice, bob, carol1, carol2} {
		f, err := c.Expect(wait, client.Is("members_changed"))
		if err != nil {
			t.Fatal(err)
		}
		if f.Num("seq") != 2 || f.Str("by") != "bob" || !slices.Equal(members(t, f), []string{"alice", "bob", "carol"}) {
			t.Fatalf("members_changed %s", f.Raw)
		}
	}
	// Adding someone already in changes nothing.
	again := testnode.MustType(t, call(t, alice, map[string]any{"type": "add_members", "chat_id": "c1", "members": []string{"carol"}}), "ack")
	if got := members(t, again); len(got) != 3 {
		t.Fatalf("repeat add: %v", got)
	}
	// Carol sees the whole history and starts reading at seq 2.
	if got := kinds(history(t, carol1, "c1")); got != "1:message 2:members_changed" {
		t.Fatalf("carol's history %s", got)
	}
	if s, ok := chatSummary(t, carol1, "c1"); !ok || s["last_read_seq"] != 2.0 || s["unread"] != 0.0 {
		t.Fatalf("carol's summary %v", s)
	}
	sendMsg(t, alice, "c1", "m2", "to carol")
	for _, c := range []*client.Client{carol1, carol2} {
		if f, err := c.Expect(wait, client.Is("message")); err != nil || f.Num("seq") != 3 {
			t.Fatalf("carol's device: %s %v", f.Raw, err)
		}
	}

	// Only the creator removes someone else.
	testnode.ExpectError(t, call(t, bob, map[string]any{"type": "remove_member", "chat_id": "c1", "user": "carol"}), "forbidden")
	ack = testnode.MustType(t, call(t, alice, map[string]any{"type": "remove_member", "chat_id": "c1", "user": "carol"}), "ack")
	if got := members(t, ack); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Fatalf("remove ack %v", got)
	}
	for _, c := range []*client.Client{alice, bob, carol1, carol2} {
		f, err := c.Expect(wait, client.Is("members_changed"))
		if err != nil {
			t.Fatal(err)
		}
		if f.Num("seq") != 4 || !strings.Contains(string(f.Raw), `"removed":["carol"]`) {
			t.Fatalf("members_changed %s", f.Raw)
		}
	}
	// Nothing of the chat reaches carol's devices any more: not a message,
	// an edit, a deletion, a read, a typing indicator or a membership
	// change.
	sendMsg(t, alice, "c1", "m3", "after carol")
	testnode.MustType(t, call(t, alice, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": 5, "body": "after carol!"}), "ack")
	testnode.MustType(t, call(t, alice, map[string]any{"type": "delete_message", "chat_id": "c1", "seq": 5}), "ack")
	if err := alice.Send(map[string]any{"type": "typing", "chat_id": "c1", "is_typing": true}); err != nil {
		t.Fatal(err)
	}
	testnode.MustType(t, call(t, bob, map[string]any{"type": "mark_chat_read", "chat_id": "c1"}), "ack")
	testnode.MustType(t, call(t, alice, map[string]any{"type": "add_members", "chat_id": "c1", "members": []string{"dave"}}), "ack")
	if f, err := bob.Expect(wait, func(f client.Frame) bool { return f.Type == "members_changed" && f.Num("seq") == 8 }); err != nil {
		t.Fatalf("bob: %s %v", f.Raw, err)
	}
	for _, c := range []*client.Client{carol1, carol2} {
		expectNothingOfChat(t, c, "c1")
		testnode.ExpectError(t, call(t, c, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": "x", "body": "hi"}), "not_member")
		testnode.ExpectError(t, call(t, c, map[string]any{"type": "get_history", "chat_id": "c1"}), "not_member")
		if _, ok := chatSummary(t, c, "c1"); ok {
			t.Fatal("list_chats still names the chat carol left")
		}
		st := testnode.MustType(t, call(t, c, map[string]any{"type": "get_connection_status"}), "connection_status")
		if strings.Contains(string(st.Raw), `"c1"`) {
			t.Fatalf("status still names c1: %s", st.Raw)
		}
	}
	// A new device of carol does not subscribe to the chat either.
	carol3 := n.Dial(t, "carol")
	expectAlive(t, carol3)
	sendMsg(t, alice, "c1", "m4", "still not for carol")
	expectNothingOfChat(t, carol3, "c1")

	// Anyone leaves; the leaver's ack has the members left.
	ack = testnode.MustType(t, call(t, bob, map[string]any{"type": "leave_chat", "chat_id": "c1"}), "ack")
	if got := members(t, ack); !slices.Equal(got, []string{"alice", "dave"}) {
		t.Fatalf("leave ack %v", got)
	}
	if f, err := bob.Expect(wait, client.Is("members_changed")); err != nil || !strings.Contains(string(f.Raw), `"removed":["bob"]`) {
		t.Fatalf("leaver: %s %v", f.Raw, err)
	}
	testnode.ExpectError(t, call(t, bob, map[string]any{"type": "leave_chat", "chat_id": "c1"}), "not_member")
}

// TestEditAndDeleteShowInHistorySyncAndUnread: only the sender edits (the
// edit is an item with its own seq, the other members get
// message_edited); the sender or the creator deletes (deleting twice: the
// original ack); history and sync return every kind in seq order, each
// with its type, a message edited since with its latest body and
// edited_at, a deleted one with deleted: true and no body anywhere; unread
// counts only undeleted messages.
func TestEditAndDeleteShowInHistorySyncAndUnread(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob, carol := n.Dial(t, "alice"), n.Dial(t, "bob"), n.Dial(t, "carol")
	expectAlive(t, bob)
	expectAlive(t, carol)
	createChat(t, alice, "c1", "bob", "carol")
	sendMsg(t, bob, "c1", "b1", "helo")
	sendMsg(t, carol, "c1", "c1", "secret")

	testnode.ExpectError(t, call(t, alice, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": 1, "body": "x"}), "forbidden")
	testnode.ExpectError(t, call(t, bob, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": 9, "body": "x"}), "not_found")
	ack := testnode.MustType(t, call(t, bob, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": 1, "body": "hello"}), "ack")
	if ack.Num("seq") != 3 {
		t.Fatalf("edit ack %s", ack.Raw)
	}
	for _, c := range []*client.Client{alice, carol} {
		f, err := c.Expect(wait, client.Is("message_edited"))
		if err != nil || f.Num("target_seq") != 1 || f.Str("body") != "hello" || f.Str("edited_at") == "" {
			t.Fatalf("message_edited %s %v", f.Raw, err)
		}
	}
	testnode.ExpectError(t, call(t, bob, map[string]any{"type": "delete_message", "chat_id": "c1", "seq": 2}), "forbidden")
	del := testnode.MustType(t, call(t, alice, map[string]any{"type": "delete_message", "chat_id": "c1", "seq": 2}), "ack")
	if del.Num("seq") != 4 {
		t.Fatalf("delete ack %s", del.Raw)
	}
	if again := testnode.MustType(t, call(t, carol, map[string]any{"type": "delete_message", "chat_id": "c1", "seq": 2}), "ack"); again.Num("seq") != 4 {
		t.Fatalf("second delete: %s, want the original ack", again.Raw)
	}
	testnode.ExpectError(t, call(t, carol, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": 2, "body": "back"}), "conflict")
	if f, err := bob.Expect(wait, client.Is("message_deleted")); err != nil || f.Num("target_seq") != 2 {
		t.Fatalf("message_deleted %s %v", f.Raw, err)
	}

	items := history(t, alice, "c1")
	if got := kinds(items); got != "1:message 2:message 3:message_edited 4:message_deleted" {
		t.Fatalf("history %s", got)
	}
	if items[0]["body"] != "hello" || items[0]["edited_at"] == nil {
		t.Fatalf("edited message in history: %v", items[0])
	}
	if _, hasBody := items[1]["body"]; hasBody || items[1]["deleted"] != true {
		t.Fatalf("deleted message in history: %v", items[1])
	}
	// Alice has read nothing: of the four items only bob's message counts.
	if s, _ := chatSummary(t, alice, "c1"); s["unread"] != 1.0 || s["latest_seq"] != 4.0 {
		t.Fatalf("alice's summary %v", s)
	}

	// A reconnecting client syncs every kind, shown as it stands now.
	alice2 := n.Dial(t, "alice")
	ref := "s1"
	if err := alice2.Send(map[string]any{"type": "sync_request", "ref": ref, "positions": map[string]any{"c1": 0}}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		f, err := alice2.Next(wait)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "sync_complete" {
			if !strings.Contains(string(f.Raw), `"unread":1`) {
				t.Fatalf("sync_complete %s", f.Raw)
			}
			break
		}
		if f.Str("chat_id") == "c1" {
			got = append(got, jsonNum(f.Num("seq"))+":"+f.Type)
			if strings.Contains(string(f.Raw), "secret") {
				t.Fatalf("a deleted body in sync: %s", f.Raw)
			}
		}
	}
	if strings.Join(got, " ") != "1:message 2:message 3:message_edited 4:message_deleted" {
		t.Fatalf("sync items %v", got)
	}
}

// TestTimelineCommandsRefuseBadInputAndKeepTheConnection: every new
// command names the offending field, refuses non-members, and the
// connection stays open.
func TestTimelineCommandsRefuseBadInputAndKeepTheConnection(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, mallory := n.Dial(t, "alice"), n.Dial(t, "mallory")
	createChat(t, alice, "c1")
	sendMsg(t, alice, "c1", "a1", "hi")
	tests := []struct {
		c    *client.Client
		msg  map[string]any
		code string
		in   string
	}{
		{alice, map[string]any{"type": "add_members", "chat_id": "c1"}, "invalid_payload", "members"},
		{alice, map[string]any{"type": "add_members", "chat_id": "c1", "members": "bob"}, "invalid_payload", "members"},
		{alice, map[string]any{"type": "add_members", "chat_id": "c1", "members": []string{""}}, "invalid_payload", "members"},
		{alice, map[string]any{"type": "add_members", "members": []string{"bob"}}, "invalid_payload", "chat_id"},
		{alice, map[string]any{"type": "remove_member", "chat_id": "c1"}, "invalid_payload", "user"},
		{alice, map[string]any{"type": "remove_member", "chat_id": "c1", "user": 7}, "invalid_payload", "user"},
		{alice, map[string]any{"type": "leave_chat"}, "invalid_payload", "chat_id"},
		{alice, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": 1}, "invalid_payload", "body"},
		{alice, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": -1, "body": "x"}, "invalid_payload", "seq"},
		{alice, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": 1, "body": strings.Repeat("x", 16<<10+1)}, "invalid_payload", "body"},
		{alice, map[string]any{"type": "delete_message", "chat_id": "c1", "seq": "1"}, "invalid_payload", "seq"},
		{alice, map[string]any{"type": "delete_message", "chat_id": "c1", "seq": 0}, "invalid_payload", "seq"},
		{alice, map[string]any{"type": "delete_message", "chat_id": "nope", "seq": 1}, "not_found", ""},
		{alice, map[string]any{"type": "delivery_receipt", "chat_id": "c1", "seq": "1"}, "invalid_payload", "seq"},
		{alice, map[string]any{"type": "get_presence"}, "invalid_payload", "users"},
		{alice, map[string]any{"type": "get_presence", "users": []string{strings.Repeat("u", 129)}}, "invalid_payload", "users"},
		{alice, map[string]any{"type": "get_presence", "users": []string{""}}, "invalid_payload", "users"},
		{mallory, map[string]any{"type": "add_members", "chat_id": "c1", "members": []string{"mallory"}}, "not_member", ""},
		{mallory, map[string]any{"type": "remove_member", "chat_id": "c1", "user": "alice"}, "not_member", ""},
		{mallory, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": 1, "body": "x"}, "not_member", ""},
		{mallory, map[string]any{"type": "delete_message", "chat_id": "c1", "seq": 1}, "not_member", ""},
	}
	for _, tc := range tests {
		f := call(t, tc.c, tc.msg)
		testnode.ExpectError(t, f, tc.code)
		if !strings.Contains(f.Str("message"), tc.in) {
			t.Fatalf("%v: message %q does not name %q", tc.msg, f.Str("message"), tc.in)
		}
	}
	expectAlive(t, alice)
	expectAlive(t, mallory)
}

// TestTimelineSurvivesARestartAndOldPagesShowEdits: a node started on a
// log that holds membership changes, an edit and a deletion among more
// items than a chat keeps in memory knows who is in the chat (the
// directory is loaded from the log: the removed member's status no longer
// names it, the added one's does) and shows old items read from the store
// as they stand now.
func TestTimelineSurvivesARestartAndOldPagesShowEdits(t *testing.T) {
	const total = 1300
	dir := t.TempDir()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	users := []string{"alice", "bob", "carol"}
	evs := []events.EventData{events.MustEncode(events.ChatCreated{ChatID: "big", Title: "t", Members: users, CreatedBy: "alice", At: at})}
	for seq := 1; seq <= total; seq++ {
		evs = append(evs, events.MustEncode(events.MessagePosted{ChatID: "big", Seq: uint64(seq), MessageID: fmt.Sprint("m", seq),
			Sender: users[seq%3], Body: fmt.Sprint("body ", seq), ClientMsgID: fmt.Sprint("c", seq), SentAt: at}))
	}
	evs = append(evs,
		events.MustEncode(events.MessageDeleted{ChatID: "big", Seq: total + 1, TargetSeq: 5, By: "alice", At: at}),
		events.MustEncode(events.MessageEdited{ChatID: "big", Seq: total + 2, TargetSeq: 7, Body: "seven, edited", By: users[7%3], At: at}),
		events.MustEncode(events.MemberRemoved{ChatID: "big", Seq: total + 3, User: "carol", Members: []string{"alice", "bob"}, By: "alice", At: at}),
		events.MustEncode(events.MembersAdded{ChatID: "big", Seq: total + 4, Users: []string{"dave"}, Members: []string{"alice", "bob", "dave"}, By: "bob", At: at}))
	if _, err := st.Append(context.Background(), events.ChatStream("big"), events.NoStream(), evs...); err != nil {
		t.Fatal(err)
	}
	st.Close()

	n := testnode.Start(t, testnode.Options{Dir: dir})
	alice, carol, dave := n.Dial(t, "alice"), n.Dial(t, "carol"), n.Dial(t, "dave")
	for user, c := range map[string]*client.Client{"carol": carol, "dave": dave} {
		st := testnode.MustType(t, call(t, c, map[string]any{"type": "get_connection_status"}), "connection_status")
		if has := strings.Contains(string(st.Raw), `"big"`); has != (user == "dave") {
			t.Fatalf("%s after the restart: %s", user, st.Raw)
		}
	}
	items := historyItems(t, call(t, alice, map[string]any{"type": "get_history", "chat_id": "big", "before_seq": 10}))
	if len(items) != 9 {
		t.Fatalf("history below 10: %d items", len(items))
	}
	if _, hasBody := items[4]["body"]; hasBody || items[4]["deleted"] != true {
		t.Fatalf("deleted seq 5 from the store: %v", items[4])
	}
	if items[6]["body"] != "seven, edited" || items[6]["edited_at"] == nil {
		t.Fatalf("edited seq 7 from the store: %v", items[6])
	}
	if s, _ := chatSummary(t, dave, "big"); s["last_read_seq"] != float64(total+4) || s["unread"] != 0.0 {
		t.Fatalf("dave's summary %v", s)
	}
	// Bob's pointer is at his last message (1300): the items after it are
	// no messages, so nothing is unread for him; alice's is at 1299, so
	// bob's 1300 is her one unread item (the membership changes, the edit
	// and the deletion above it do not count).
	bob := n.Dial(t, "bob")
	if s, _ := chatSummary(t, bob, "big"); s["last_read_seq"] != float64(total) || s["unread"] != 0.0 {
		t.Fatalf("bob's summary %v", s)
	}
	if s, _ := chatSummary(t, alice, "big"); s["last_read_seq"] != float64(total-1) || s["unread"] != 1.0 {
		t.Fatalf("alice's summary %v (bob's seq 1300 is unread)", s)
	}
	testnode.ExpectError(t, call(t, carol, map[string]any{"type": "get_history", "chat_id": "big"}), "not_member")
}

// TestDeliveryReceiptsAreCoalesced: a receipt is acknowledged at once with
// the user's delivered pointer (clamped to the latest seq, never back);
// the members get one `delivered` frame and the log one MessagesDelivered
// for a burst of receipts from two devices, not one per receipt; a
// non-member is refused.
func TestDeliveryReceiptsAreCoalesced(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob1, bob2, mallory := n.Dial(t, "alice"), n.Dial(t, "bob"), n.Dial(t, "bob"), n.Dial(t, "mallory")
	expectAlive(t, bob1)
	expectAlive(t, bob2)
	createChat(t, alice, "c1", "bob")
	for i := range 5 {
		sendMsg(t, alice, "c1", fmt.Sprint("m", i), "hi")
	}
	want := []float64{1, 2, 5, 5, 5, 5}
	for i, seq := range []int{1, 2, 99, 3, 5, 4} {
		c := bob1
		if i%2 == 1 {
			c = bob2
		}
		ack := testnode.MustType(t, call(t, c, map[string]any{"type": "delivery_receipt", "chat_id": "c1", "seq": seq}), "ack")
		if ack.Num("delivered_seq") != want[i] {
			t.Fatalf("receipt %d for %d: %s, want delivered_seq %v", i, seq, ack.Raw, want[i])
		}
	}
	f, err := alice.Expect(wait, client.Is("delivered"))
	if err != nil || f.Str("user") != "bob" || f.Num("delivered_seq") != 5 {
		t.Fatalf("delivered %s %v", f.Raw, err)
	}
	recs := storedEvents(t, n.Store, events.TypeMessagesDelivered, 1)
	if len(recs) != 1 {
		t.Fatalf("%d MessagesDelivered for one burst of receipts, want 1", len(recs))
	}
	ev, _ := events.Decode(recs[0])
	if d := ev.(events.MessagesDelivered); d.User != "bob" || d.DeliveredSeq != 5 || d.ConnectionID == "" {
		t.Fatalf("stored %+v", d)
	}
	// A repeat changes nothing: no second event, no frame.
	testnode.MustType(t, call(t, bob1, map[string]any{"type": "delivery_receipt", "chat_id": "c1", "seq": 5}), "ack")
	testnode.ExpectError(t, call(t, mallory, map[string]any{"type": "delivery_receipt", "chat_id": "c1", "seq": 1}), "not_member")
	testnode.ExpectError(t, call(t, bob1, map[string]any{"type": "delivery_receipt", "chat_id": "c1"}), "invalid_payload")
	sendMsg(t, alice, "c1", "m9", "after")
	testnode.MustType(t, call(t, bob2, map[string]any{"type": "delivery_receipt", "chat_id": "c1", "seq": 6}), "ack")
	if f, err := alice.Expect(wait, client.Is("delivered")); err != nil || f.Num("delivered_seq") != 6 {
		t.Fatalf("second delivered %s %v", f.Raw, err)
	}
	if recs := storedEvents(t, n.Store, events.TypeMessagesDelivered, 2); len(recs) != 2 {
		t.Fatalf("%d MessagesDelivered after a second burst, want 2", len(recs))
	}
	receipts := testnode.Metric(t, n.Reg, "linkup_delivery_receipts_total", "", "")
	recorded := testnode.Metric(t, n.Reg, "linkup_chat_events_total", "type", events.TypeMessagesDelivered)
	if receipts != 8 || recorded != 2 {
		t.Fatalf("metrics: %v receipts acknowledged, %v MessagesDelivered stored; want 8 and 2", receipts, recorded)
	}
}

// A receipt acknowledged just before its user is removed is still
// recorded: the chat decides it ahead of the removal, so the delivery
// audit never loses what the client was told of.
func TestReceiptBeforeRemovalIsRecorded(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	sendMsg(t, alice, "c1", "m1", "hi")
	testnode.MustType(t, call(t, bob, map[string]any{"type": "delivery_receipt", "chat_id": "c1", "seq": 1}), "ack")
	testnode.MustType(t, call(t, alice, map[string]any{"type": "remove_member", "chat_id": "c1", "user": "bob"}), "ack")
	recs := storedEvents(t, n.Store, events.TypeMessagesDelivered, 1)
	if len(recs) != 1 {
		t.Fatalf("%d MessagesDelivered after an acknowledged receipt and a removal, want 1", len(recs))
	}
	if ev, _ := events.Decode(recs[0]); ev.(events.MessagesDelivered).User != "bob" {
		t.Fatalf("stored %+v", ev)
	}
}
