package transport_test

import (
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// Only members read or write a chat. Mallory, who is not a member of
// "secret", tries every command that names a chat; each gets not_member
// (or, for sync, nothing of the chat), her connection stays, and nothing of
// the chat's content reaches her, live or on request.
func TestNonMemberCanNeitherReadNorWrite(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, mallory := n.Dial(t, "alice"), n.Dial(t, "mallory")
	createChat(t, alice, "secret", "bob")
	sendMsg(t, alice, "secret", "1", "the plans")
	refused := []map[string]any{
		{"type": "send_message", "chat_id": "secret", "client_msg_id": "m1", "body": "hi"},
		{"type": "get_history", "chat_id": "secret"},
		{"type": "get_history", "chat_id": "secret", "before_seq": 2, "limit": 500},
		{"type": "typing", "chat_id": "secret", "is_typing": true},
		{"type": "read_receipt", "chat_id": "secret", "seq": 1},
		{"type": "mark_chat_read", "chat_id": "secret"},
	}
	for _, msg := range refused {
		testnode.ExpectError(t, call(t, mallory, msg), "not_member")
	}
	bulk := testnode.MustType(t, call(t, mallory, map[string]any{"type": "bulk_read_receipt", "receipts": []map[string]any{{"chat_id": "secret", "seq": 1}}}), "ack")
	if !strings.Contains(string(bulk.Raw), "not_member") {
		t.Fatalf("bulk receipt for a chat not hers: %s", bulk.Raw)
	}
	syncAsNonMember(t, mallory)
	if f := testnode.MustType(t, call(t, mallory, map[string]any{"type": "list_chats"}), "chats"); strings.Contains(string(f.Raw), "secret") {
		t.Fatalf("list_chats shows a chat she is not in: %s", f.Raw)
	}
	// Live traffic of the chat never reaches her.
	sendMsg(t, alice, "secret", "2", "more plans")
	if err := alice.Send(map[string]any{"type": "typing", "chat_id": "secret", "is_typing": true}); err != nil {
		t.Fatal(err)
	}
	expectNothingOf(t, mallory, "secret")
	expectAlive(t, mallory)
	if got := sendMsg(t, alice, "secret", "3", "x"); got.Num("seq") != 3 {
		t.Fatalf("mallory's refused send took a seq: %s", got.Raw)
	}
}

// syncAsNonMember: a sync naming the chat gets no message of it, and its
// sync_complete does not list it (an error not_member is also acceptable).
func syncAsNonMember(t *testing.T, c *client.Client) {
	t.Helper()
	if err := c.Send(map[string]any{"type": "sync_request", "ref": "sync-x", "positions": map[string]int{"secret": 0}}); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := c.Next(wait)
		if err != nil {
			t.Fatalf("no sync answer: %v", err)
		}
		switch {
		case f.Type == "message":
			t.Fatalf("sync delivered a message of a chat she is not in: %s", f.Raw)
		case f.Ref() == "sync-x" && f.Type == "error":
			testnode.ExpectError(t, f, "not_member")
			return
		case f.Ref() == "sync-x":
			if testnode.MustType(t, f, "sync_complete"); strings.Contains(string(f.Raw), "secret") {
				t.Fatalf("sync_complete lists a chat she is not in: %s", f.Raw)
			}
			return
		}
	}
}

// expectNothingOf reads c for a short while and fails on any frame naming
// chat.
func expectNothingOf(t *testing.T, c *client.Client, chat string) {
	t.Helper()
	for {
		f, err := c.Next(300 * time.Millisecond)
		if err != nil {
			return
		}
		if f.Str("chat_id") == chat {
			t.Fatalf("a non-member received %s", f.Raw)
		}
	}
}
