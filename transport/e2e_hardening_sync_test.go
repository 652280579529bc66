package transport_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/transport"
)

// TestSyncNamingStrangersChatsIsOneError: a sync_request naming 999 chats
// the user is not in and one she is in, on a connection whose outbound
// queue holds only 64 frames, gets ONE error not_member (same ref) listing
// the 999 in chat_ids, then the missed messages of her chat, then
// sync_complete, and the connection stays (it used to get one error frame
// per chat, and thousands made the reading client a slow consumer). One
// stranger's chat is named in chat_id as well; any error about one chat
// carries its chat_id; more than 1,000 chats are invalid_payload.
func TestSyncNamingStrangersChatsIsOneError(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Transport: transport.Config{OutboundQueue: 64}})
	bob := n.Dial(t, "bob")
	createChat(t, bob, "mine", "alice")
	createChat(t, bob, "bobs")
	for i := range 5 {
		sendMsg(t, bob, "mine", fmt.Sprint(i), "hi")
	}
	alice := n.Dial(t, "alice")
	pos := map[string]any{"mine": 0, "bobs": 0}
	var strangers []string
	for i := range 999 { // with "mine": 1,000 chats, the most one sync may name
		if i > 0 {
			strangers = append(strangers, fmt.Sprintf("nowhere-%04d", i))
			pos[strangers[len(strangers)-1]] = 0
		}
	}
	strangers = append(strangers, "bobs")
	slices.Sort(strangers)
	if err := alice.Send(map[string]any{"type": "sync_request", "ref": "s1", "positions": pos}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		f, err := alice.Next(wait)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, f.Type)
		if f.Type == "error" {
			testnode.ExpectError(t, f, "not_member")
			var e struct {
				Ref     string   `json:"ref"`
				ChatIDs []string `json:"chat_ids"`
			}
			_ = f.Decode(&e)
			if e.Ref != "s1" || !slices.Equal(e.ChatIDs, strangers) {
				t.Fatalf("not_member ref %q with %d chat_ids, want s1 and the %d strangers' chats", e.Ref, len(e.ChatIDs), len(strangers))
			}
		}
		if f.Type == "sync_complete" {
			break
		}
	}
	want := []string{"error", "message", "message", "message", "message", "message", "sync_complete"}
	if !slices.Equal(got, want) {
		t.Fatalf("frames %v, want %v", got, want)
	}
	one := testnode.MustType(t, call(t, alice, map[string]any{"type": "sync_request", "positions": map[string]any{"bobs": 0}}), "error")
	if one.Str("chat_id") != "bobs" {
		t.Fatalf("not_member about one chat without its chat_id: %s", one.Raw)
	}
	send := testnode.MustType(t, call(t, alice, map[string]any{"type": "send_message", "chat_id": "bobs", "client_msg_id": "x", "body": "x"}), "error")
	if send.Str("chat_id") != "bobs" {
		t.Fatalf("error about one chat without its chat_id: %s", send.Raw)
	}
	pos["one-too-many"] = 0
	pos["two-too-many"] = 0
	testnode.ExpectError(t, call(t, alice, map[string]any{"type": "sync_request", "positions": pos}), "invalid_payload")
	expectAlive(t, alice)
}
