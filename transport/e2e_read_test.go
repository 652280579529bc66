package transport_test

import (
	"testing"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
)

func TestReadReceiptMovesForwardOnlyAndClamps(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	for _, id := range []string{"a", "b", "c"} {
		sendMsg(t, alice, "c1", id, id)
	}
	steps := []struct {
		seq, want int
	}{{2, 2}, {1, 2}, {99, 3}}
	for _, s := range steps {
		f := testnode.MustType(t, call(t, bob, map[string]any{"type": "read_receipt", "chat_id": "c1", "seq": s.seq}), "ack")
		if int(f.Num("last_read_seq")) != s.want {
			t.Fatalf("read_receipt %d: last_read_seq %v, want %d", s.seq, f.Fields["last_read_seq"], s.want)
		}
	}
	f, err := alice.Expect(wait, client.Is("read"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Str("user") != "bob" || int(f.Num("last_read_seq")) != 2 {
		t.Fatalf("read %s", f.Raw)
	}
}

func TestBulkReadReceiptOneBadItemSpoilsNothing(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	createChat(t, alice, "c1")
	createChat(t, alice, "c2")
	sendMsg(t, alice, "c1", "x", "x")
	n.Dial(t, "mallory")
	bob := n.Dial(t, "bob")
	createChat(t, bob, "theirs")
	f := testnode.MustType(t, call(t, alice, map[string]any{"type": "bulk_read_receipt", "receipts": []any{
		map[string]any{"chat_id": "c1", "seq": 1},
		map[string]any{"chat_id": "theirs", "seq": 1},
		"not an object",
		map[string]any{"chat_id": "c2", "seq": "one"},
		map[string]any{"chat_id": "c2", "seq": 0},
	}}), "ack")
	var ack struct {
		Results []struct {
			ChatID      string  `json:"chat_id"`
			LastReadSeq *uint64 `json:"last_read_seq"`
			Error       *struct{ Code string }
		}
	}
	if err := f.Decode(&ack); err != nil || len(ack.Results) != 5 {
		t.Fatalf("bulk ack %s (%v)", f.Raw, err)
	}
	wantCodes := []string{"", "not_member", "invalid_payload", "invalid_payload", ""}
	for i, r := range ack.Results {
		got := ""
		if r.Error != nil {
			got = r.Error.Code
		} else if r.LastReadSeq == nil {
			t.Fatalf("item %d has neither result nor error: %s", i, f.Raw)
		}
		if got != wantCodes[i] {
			t.Fatalf("item %d: code %q want %q (%s)", i, got, wantCodes[i], f.Raw)
		}
	}
}

func TestMarkChatReadAndListChats(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	for _, id := range []string{"a", "b", "c"} {
		sendMsg(t, alice, "c1", id, id)
	}
	var list struct {
		Chats []struct {
			ChatID      string   `json:"chat_id"`
			Members     []string `json:"members"`
			LatestSeq   int      `json:"latest_seq"`
			LastReadSeq int      `json:"last_read_seq"`
			Unread      int      `json:"unread"`
		}
	}
	f := testnode.MustType(t, call(t, bob, map[string]any{"type": "list_chats"}), "chats")
	if err := f.Decode(&list); err != nil || len(list.Chats) != 1 {
		t.Fatalf("chats %s", f.Raw)
	}
	if c := list.Chats[0]; c.ChatID != "c1" || c.LatestSeq != 3 || c.Unread != 3 || len(c.Members) != 2 {
		t.Fatalf("bob's chat %+v", c)
	}
	f = testnode.MustType(t, call(t, alice, map[string]any{"type": "list_chats"}), "chats")
	_ = f.Decode(&list)
	if c := list.Chats[0]; c.Unread != 0 || c.LastReadSeq != 3 {
		t.Fatalf("the sender has read what she sent: %+v", c)
	}
	f = testnode.MustType(t, call(t, bob, map[string]any{"type": "mark_chat_read", "chat_id": "c1"}), "ack")
	if int(f.Num("last_read_seq")) != 3 {
		t.Fatalf("mark_chat_read %s", f.Raw)
	}
}
