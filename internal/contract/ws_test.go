package contract

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/faultstore"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// v1ServerFrames are the server frame types a v1 server sends; the test
// must provoke and validate each of them.
var v1ServerFrames = []string{"pong", "ack", "error", "message", "chat_created", "typing", "read",
	"connection_status", "chats", "history", "sync_complete", "force_reconnect"}

// v1ClientFrames are the client frame types of v1; the test sends each.
var v1ClientFrames = []string{"ping", "create_chat", "send_message", "typing", "read_receipt", "bulk_read_receipt",
	"mark_chat_read", "get_connection_status", "list_chats", "get_history", "sync_request", "force_reconnect"}

// reachableCodes are the error codes a client can provoke on a healthy v1
// node (unavailable needs a failing store: TestUnavailableMatchesAsyncAPI;
// internal is a server bug; forbidden is v1.1).
var reachableCodes = []string{"invalid_json", "invalid_payload", "unknown_type", "unsupported_frame",
	"not_member", "not_found", "conflict", "rate_limited", "forbidden"}

// v11ServerFrames and v11ClientFrames are the v1.1 frames the server
// speaks (membership, edits and deletions, delivery receipts, presence).
var (
	v11ServerFrames = []string{"members_changed", "message_edited", "message_deleted", "delivered", "presence", "presence_state"}
	v11ClientFrames = []string{"add_members", "remove_member", "leave_chat", "edit_message", "delete_message", "delivery_receipt", "get_presence"}
)

// TestWebSocketFramesMatchAsyncAPI drives every v1 command and every error
// a client can cause through a real node and validates every frame both
// ways against docs/asyncapi.yaml.
func TestWebSocketFramesMatchAsyncAPI(t *testing.T) {
	rec := newRecorder(t)
	n := testnode.Start(t, testnode.Options{})
	alice, bob, carol := dial(t, rec, n, "alice"), dial(t, rec, n, "bob"), dial(t, rec, n, "carol")

	t.Run("commands", func(t *testing.T) { commands(t, n, rec, alice, bob) })
	t.Run("errors", func(t *testing.T) { clientErrors(t, alice, carol) })
	t.Run("timeline v1.1", func(t *testing.T) { timeline(t, n, rec, alice, bob, carol) })
	t.Run("client force_reconnect", func(t *testing.T) {
		c := dial(t, rec, n, "dave")
		c.send(map[string]any{"type": "force_reconnect", "ref": "bye"})
		f := c.expect("force_reconnect", client.Is("force_reconnect"))
		if f.Str("reason") != "client_request" || f.Ref() != "bye" {
			t.Errorf("force_reconnect: %s", f.Raw)
		}
		if code := c.drain(); code != 1012 {
			t.Errorf("close code %d, want 1012", code)
		}
	})
	t.Run("oversized frame closes with 1009", func(t *testing.T) {
		c := dial(t, rec, n, "erin")
		c.sendBad(ws.OpText, []byte(`{"type":"ping","pad":"`+strings.Repeat("x", 64<<10)+`"}`))
		if code := c.drain(); code != 1009 {
			t.Errorf("close code %d, want 1009", code)
		}
	})
	// Shutdown: every open connection gets force_reconnect (shutdown) and
	// a 1012 close; draining them reads every frame the server still had.
	n.Stop()
	for _, c := range []*conn{alice, bob, carol} {
		if code := c.drain(); code != 1012 {
			t.Errorf("%s: close code %d after shutdown, want 1012", c.name, code)
		}
	}
	rec.mustHaveSeen(t, append(v1ServerFrames, v11ServerFrames...), append(v1ClientFrames, v11ClientFrames...), reachableCodes)
}

// timeline runs the v1.1 membership, edit and deletion commands, their
// refusals, and a history and a sync holding every kind of item (an
// edited message, a deleted one, an edit of a deleted one), so that every
// frame they make is validated.
func timeline(t *testing.T, n *testnode.Node, rec *recorder, alice, bob, carol *conn) {
	testnode.MustType(t, alice.call(map[string]any{"type": "create_chat", "chat_id": "tl", "title": "timeline", "members": []string{"bob"}}), "ack")
	testnode.MustType(t, alice.call(map[string]any{"type": "send_message", "chat_id": "tl", "client_msg_id": "t-1", "body": "first"}), "ack")
	testnode.MustType(t, bob.call(map[string]any{"type": "send_message", "chat_id": "tl", "client_msg_id": "t-2", "body": "second"}), "ack")
	testnode.MustType(t, alice.call(map[string]any{"type": "add_members", "chat_id": "tl", "members": []string{"carol"}}), "ack")
	carol.expect("chat_created", client.Is("chat_created"))
	carol.expect("members_changed", client.Is("members_changed"))
	testnode.MustType(t, alice.call(map[string]any{"type": "edit_message", "chat_id": "tl", "seq": 1, "body": "first, edited"}), "ack")
	bob.expect("message_edited", client.Is("message_edited"))
	testnode.MustType(t, bob.call(map[string]any{"type": "edit_message", "chat_id": "tl", "seq": 2, "body": "second, edited"}), "ack")
	testnode.MustType(t, alice.call(map[string]any{"type": "delete_message", "chat_id": "tl", "seq": 2}), "ack")
	bob.expect("message_deleted", client.Is("message_deleted"))
	testnode.ExpectError(t, carol.call(map[string]any{"type": "edit_message", "chat_id": "tl", "seq": 1, "body": "mine now"}), "forbidden")
	testnode.ExpectError(t, bob.call(map[string]any{"type": "edit_message", "chat_id": "tl", "seq": 2, "body": "back"}), "conflict")
	testnode.ExpectError(t, bob.call(map[string]any{"type": "remove_member", "chat_id": "tl", "user": "carol"}), "forbidden")
	testnode.MustType(t, alice.call(map[string]any{"type": "remove_member", "chat_id": "tl", "user": "carol"}), "ack")
	carol.expect("members_changed", client.Is("members_changed"))
	testnode.ExpectError(t, carol.call(map[string]any{"type": "leave_chat", "chat_id": "tl"}), "not_member")
	testnode.MustType(t, bob.call(map[string]any{"type": "delivery_receipt", "chat_id": "tl", "seq": 6}), "ack")
	alice.expect("delivered", client.Is("delivered"))
	h := testnode.MustType(t, bob.call(map[string]any{"type": "get_history", "chat_id": "tl"}), "history")
	if msgs, _ := h.Fields["messages"].([]any); len(msgs) != 7 {
		t.Errorf("history of every kind: %s", h.Raw)
	}
	bob2 := dial(t, rec, n, "bob")
	bob2.send(map[string]any{"type": "sync_request", "ref": "s2", "positions": map[string]any{"tl": 0}})
	bob2.expect("sync_complete", client.Is("sync_complete", "s2"))
	testnode.MustType(t, bob.call(map[string]any{"type": "leave_chat", "chat_id": "tl"}), "ack")
	// Presence: gus's first connection tells alice, who shares a chat
	// with him; get_presence answers for him, alice and a stranger.
	testnode.MustType(t, alice.call(map[string]any{"type": "create_chat", "chat_id": "pr", "title": "presence", "members": []string{"gus"}}), "ack")
	gus := dial(t, rec, n, "gus")
	alice.expect("presence", client.Is("presence"))
	testnode.MustType(t, alice.call(map[string]any{"type": "get_presence", "users": []string{"gus", "alice", "zed"}}), "presence_state")
	if code := gus.closeAndDrain(); code != 1012 {
		t.Errorf("gus close %d", code)
	}
	if code := bob2.closeAndDrain(); code != 1012 {
		t.Errorf("bob2 close %d", code)
	}
}

// mustHaveSeen fails unless every listed frame type and error code was
// validated at least once.
func (r *recorder) mustHaveSeen(t *testing.T, server, clientTypes, codes []string) {
	t.Helper()
	for _, typ := range server {
		if r.seen[typ] == 0 {
			t.Errorf("the test never saw a server %s frame", typ)
		}
	}
	for _, typ := range clientTypes {
		if r.sent[typ] == 0 {
			t.Errorf("the test never sent a %s frame", typ)
		}
	}
	for _, code := range codes {
		if r.codes[code] == 0 {
			t.Errorf("the test never saw error code %s", code)
		}
	}
	t.Logf("server frames validated: %v; client frames: %v; error codes: %v; close codes: %v", r.seen, r.sent, r.codes, r.closes)
}

// commands runs every v1 command with its happy path.
func commands(t *testing.T, n *testnode.Node, rec *recorder, alice, bob *conn) {
	testnode.MustType(t, alice.call(map[string]any{"type": "ping"}), "pong")
	alice.send(map[string]any{"type": "ping"}) // no ref: the pong has none either
	if f := alice.expect("pong", client.Is("pong")); f.Ref() != "" {
		t.Errorf("pong without ref in the ping: %s", f.Raw)
	}

	testnode.MustType(t, alice.call(map[string]any{"type": "create_chat", "chat_id": "ops", "title": "Ops", "members": []string{"bob"}}), "ack")
	bob.expect("chat_created", client.Is("chat_created"))
	gen := testnode.MustType(t, alice.call(map[string]any{"type": "create_chat", "title": "generated id"}), "ack")
	if gen.Str("chat_id") == "" {
		t.Errorf("create_chat without chat_id: %s", gen.Raw)
	}
	testnode.MustType(t, alice.call(map[string]any{"type": "create_chat", "chat_id": "secret", "title": "alice only", "members": []string{}}), "ack")

	ack := testnode.MustType(t, alice.call(map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": "m-1", "body": "hello"}), "ack")
	bob.expect("message", client.Is("message"))
	again := testnode.MustType(t, alice.call(map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": "m-1", "body": "hello"}), "ack")
	if again.Num("seq") != ack.Num("seq") || again.Str("message_id") != ack.Str("message_id") {
		t.Errorf("a repeated client_msg_id got a new ack: %s then %s", ack.Raw, again.Raw)
	}
	for i := 2; i <= 4; i++ {
		testnode.MustType(t, alice.call(map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": fmt.Sprintf("m-%d", i), "body": "ünïcødé ✓"}), "ack")
	}

	alice.send(map[string]any{"type": "typing", "chat_id": "ops", "is_typing": true})
	bob.expect("typing", client.Is("typing"))

	testnode.MustType(t, bob.call(map[string]any{"type": "read_receipt", "chat_id": "ops", "seq": 2}), "ack")
	alice.expect("read", client.Is("read"))
	bulk := testnode.MustType(t, bob.call(map[string]any{"type": "bulk_read_receipt", "receipts": []any{
		map[string]any{"chat_id": "ops", "seq": 3}, map[string]any{"chat_id": "secret", "seq": 1}, map[string]any{"chat_id": "nochat", "seq": 1}}}), "ack")
	if res, _ := bulk.Fields["results"].([]any); len(res) != 3 {
		t.Errorf("bulk ack: %s", bulk.Raw)
	}
	testnode.MustType(t, bob.call(map[string]any{"type": "mark_chat_read", "chat_id": "ops"}), "ack")

	testnode.MustType(t, alice.call(map[string]any{"type": "get_connection_status"}), "connection_status")
	testnode.MustType(t, alice.call(map[string]any{"type": "list_chats"}), "chats")
	testnode.MustType(t, bob.call(map[string]any{"type": "get_history", "chat_id": "ops"}), "history")
	h := testnode.MustType(t, bob.call(map[string]any{"type": "get_history", "chat_id": "ops", "before_seq": 3, "limit": 1}), "history")
	if msgs, _ := h.Fields["messages"].([]any); len(msgs) != 1 {
		t.Errorf("history before 3 limit 1: %s", h.Raw)
	}

	// A second device of bob syncs: the missed messages, one not_member
	// for the chat bob is not in, then sync_complete.
	bob2 := dial(t, rec, n, "bob")
	bob2.send(map[string]any{"type": "sync_request", "ref": "s1", "positions": map[string]any{"ops": 1, "secret": 0}, "limit": 10})
	testnode.ExpectError(t, bob2.expect("not_member", client.Is("error", "s1")), "not_member")
	done := bob2.expect("sync_complete", client.Is("sync_complete", "s1"))
	if _, ok := done.Fields["chats"].(map[string]any)["ops"]; !ok {
		t.Errorf("sync_complete without ops: %s", done.Raw)
	}
	if rec.seen["message"] < 4 {
		t.Errorf("sync answered %d message frames in all, want the 3 bob's second device missed", rec.seen["message"])
	}
	if code := bob2.closeAndDrain(); code != 1012 {
		t.Errorf("bob2 close %d", code)
	}
}

// closeAndDrain asks the server to close and reads everything up to it.
func (c *conn) closeAndDrain() int {
	c.send(map[string]any{"type": "force_reconnect"})
	return c.drain()
}

// clientErrors provokes every error code a client can cause; each reply
// keeps the connection open (a ping proves it).
func clientErrors(t *testing.T, alice, carol *conn) {
	bad := []struct {
		name, frame, code string
	}{
		{"not JSON", `{"type":"ping",`, "invalid_json"},
		{"a list", `[{"type":"ping"}]`, "invalid_payload"},
		{"a string", `"ping"`, "invalid_payload"},
		{"no type", `{"ref":"x1"}`, "invalid_payload"},
		{"type not a string", `{"type":7,"ref":"x2"}`, "invalid_payload"},
		{"unknown type", `{"type":"teleport","ref":"x3"}`, "unknown_type"},
		{"missing field", `{"type":"send_message","ref":"x4","chat_id":"ops","client_msg_id":"m-9"}`, "invalid_payload"},
		{"wrong field type", `{"type":"read_receipt","ref":"x5","chat_id":"ops","seq":"3"}`, "invalid_payload"},
		{"negative limit", `{"type":"get_history","ref":"x6","chat_id":"ops","limit":-1}`, "invalid_payload"},
		{"empty body", `{"type":"send_message","ref":"x7","chat_id":"ops","client_msg_id":"m-10","body":""}`, "invalid_payload"},
		{"body over 16 KiB", `{"type":"send_message","ref":"x8","chat_id":"ops","client_msg_id":"m-11","body":"` + strings.Repeat("b", 16<<10+1) + `"}`, "invalid_payload"},
		{"chat_id over 128 bytes", `{"type":"mark_chat_read","ref":"x9","chat_id":"` + strings.Repeat("c", 129) + `"}`, "invalid_payload"},
		{"title over 256 bytes", `{"type":"create_chat","ref":"x10","chat_id":"long","title":"` + strings.Repeat("t", 257) + `"}`, "invalid_payload"},
		{"too many members", `{"type":"create_chat","ref":"x11","chat_id":"big","members":[` + strings.TrimSuffix(strings.Repeat(`"u",`, 1001), ",") + `]}`, "invalid_payload"},
		{"receipts not a list", `{"type":"bulk_read_receipt","ref":"x12","receipts":{}}`, "invalid_payload"},
		{"existing chat", `{"type":"create_chat","ref":"x13","chat_id":"ops","title":"again"}`, "conflict"},
		{"missing chat", `{"type":"send_message","ref":"x14","chat_id":"nochat","client_msg_id":"m-12","body":"hi"}`, "not_found"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			if b.code == "conflict" || b.code == "not_found" {
				alice.rec.client([]byte(b.frame)) // well-formed: refused for the state, not the shape
				_ = alice.c.SendRaw(ws.OpText, []byte(b.frame))
			} else {
				alice.sendBad(ws.OpText, []byte(b.frame))
			}
			f := alice.expect(b.code, client.Is("error"))
			testnode.ExpectError(t, f, b.code)
			testnode.MustType(t, alice.call(map[string]any{"type": "ping"}), "pong")
		})
	}
	t.Run("not a member", func(t *testing.T) {
		for _, msg := range []map[string]any{
			{"type": "send_message", "chat_id": "ops", "client_msg_id": "c-1", "body": "let me in"},
			{"type": "get_history", "chat_id": "ops"},
			{"type": "read_receipt", "chat_id": "ops", "seq": 1},
		} {
			testnode.ExpectError(t, carol.call(msg), "not_member")
		}
		testnode.MustType(t, carol.call(map[string]any{"type": "ping"}), "pong")
	})
	t.Run("binary frame", func(t *testing.T) {
		alice.sendBad(ws.OpBinary, []byte{0x01, 0x02})
		testnode.ExpectError(t, alice.expect("unsupported_frame", client.Is("error")), "unsupported_frame")
		testnode.MustType(t, alice.call(map[string]any{"type": "ping"}), "pong")
	})
	t.Run("rate limited", func(t *testing.T) {
		// typing allows 5/s with a burst of 10: 40 at once must trip it.
		for range 40 {
			alice.send(map[string]any{"type": "typing", "chat_id": "ops", "is_typing": true})
		}
		testnode.ExpectError(t, alice.expect("rate_limited", client.Is("error")), "rate_limited")
	})
}

// TestUnavailableMatchesAsyncAPI: when the store refuses appends, a send is
// answered `unavailable` (never a false ack), in the documented shape.
func TestUnavailableMatchesAsyncAPI(t *testing.T) {
	rec := newRecorder(t)
	dir := t.TempDir()
	inner, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inner.Close() })
	fault := faultstore.New(inner)
	n := testnode.Start(t, testnode.Options{Dir: dir, Store: fault})
	alice := dial(t, rec, n, "alice")
	testnode.MustType(t, alice.call(map[string]any{"type": "create_chat", "chat_id": "ops", "title": "Ops"}), "ack")
	fault.FailAppends(errors.New("disk on fire"))
	testnode.ExpectError(t, alice.call(map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": "m-1", "body": "hello"}), "unavailable")
	fault.Restore()
	testnode.MustType(t, alice.call(map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": "m-1", "body": "hello"}), "ack")
	if code := alice.closeAndDrain(); code != 1012 {
		t.Errorf("close %d", code)
	}
	if !slices.Contains(keys(rec.codes), "unavailable") {
		t.Errorf("no unavailable error seen: %v", rec.codes)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
