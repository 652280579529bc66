package transport_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// TestChatCreationIsBounded: one connection creating chats as fast as it
// can is held to the creation rate (rate_limited past a burst of 10), and
// nobody can put a user, themself or a stranger, in more than
// ChatsPerUser chats (invalid_payload), so a stranger's list_chats stays
// bounded. It used to take 580 chats of 1,000 members in 30 s from one
// connection. Both refusals are counted in
// linkup_chat_limit_refusals_total and the connection stays.
func TestChatCreationIsBounded(t *testing.T) {
	t.Run("rate", func(t *testing.T) {
		n := testnode.Start(t, testnode.Options{Actors: actors.Config{Limits: actors.Limits{FramesPerSecond: 1e6}}})
		c := n.Dial(t, "mallory")
		const tries = 40
		for i := range tries {
			if err := c.Send(map[string]any{"type": "create_chat", "ref": fmt.Sprint("c", i), "chat_id": fmt.Sprint("flood", i)}); err != nil {
				t.Fatal(err)
			}
		}
		acks, limited := 0, 0
		for acks+limited < tries {
			f, err := c.Expect(wait, func(f client.Frame) bool { return strings.HasPrefix(f.Ref(), "c") })
			if err != nil {
				t.Fatalf("after %d acks and %d refusals: %v", acks, limited, err)
			}
			if f.Type == "ack" {
				acks++
			} else {
				testnode.ExpectError(t, f, "rate_limited")
				limited++
			}
		}
		if acks > 12 || limited == 0 {
			t.Fatalf("%d create_chat at once: %d created, %d rate_limited", tries, acks, limited)
		}
		if limitMetric(t, n.Reg, "linkup_chat_limit_refusals_total", "limit", "chat_create_rate") != float64(limited) {
			t.Fatal("refusals not counted in linkup_chat_limit_refusals_total{limit=chat_create_rate}")
		}
		expectAlive(t, c)
	})
	t.Run("per user", func(t *testing.T) {
		n := testnode.Start(t, testnode.Options{Actors: actors.Config{Limits: actors.Limits{ChatsPerUser: 5, ChatsPerSecond: 1e6}}})
		mallory, eve := n.Dial(t, "mallory"), n.Dial(t, "eve")
		for i := range 5 {
			createChat(t, mallory, fmt.Sprint("m", i), "victim")
		}
		f := call(t, eve, map[string]any{"type": "create_chat", "chat_id": "e0", "members": []string{"victim"}})
		testnode.ExpectError(t, f, "invalid_payload")
		if !strings.Contains(f.Str("message"), "victim") {
			t.Fatalf("refusal does not name the member: %s", f.Raw)
		}
		testnode.ExpectError(t, call(t, mallory, map[string]any{"type": "create_chat", "chat_id": "alone"}), "invalid_payload")
		createChat(t, eve, "e1", "friend") // others are not affected
		victim := n.Dial(t, "victim")
		var chats struct{ Chats []any }
		_ = testnode.MustType(t, call(t, victim, map[string]any{"type": "list_chats"}), "chats").Decode(&chats)
		if len(chats.Chats) != 5 {
			t.Fatalf("victim is in %d chats, want 5", len(chats.Chats))
		}
		if limitMetric(t, n.Reg, "linkup_chat_limit_refusals_total", "limit", "chats_per_user") != 2 {
			t.Fatal("refusals not counted in linkup_chat_limit_refusals_total{limit=chats_per_user}")
		}
		expectAlive(t, mallory)
	})
}
