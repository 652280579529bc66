package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// knownGaps are the places where the server does not (yet) do what
// docs/PROTOCOL.md says. Each is probed against a real node: a gap that is
// not listed fails the test (the server drifted from the contract), and a
// listed gap the server no longer has fails it too (the server was fixed:
// delete the entry here and the matching row of PROTOCOL.md's "Where the
// server differs" section). The keys match that section.
var knownGaps = map[string]string{}

// gapEnv is what the probes share: one node, a chat "ops" of alice and
// bob, a chat "secret" of alice alone.
type gapEnv struct {
	t          *testing.T
	n          *testnode.Node
	rec        *recorder
	alice, bob *conn
}

// TestServerFollowsProtocolOrKnownGap probes each rule of PROTOCOL.md the
// happy-path test cannot see, and holds the list of known gaps to the
// truth in both directions.
func TestServerFollowsProtocolOrKnownGap(t *testing.T) {
	rec := newRecorder(t)
	n := testnode.Start(t, testnode.Options{})
	e := &gapEnv{t: t, n: n, rec: rec, alice: dial(t, rec, n, "alice"), bob: dial(t, rec, n, "bob")}
	testnode.MustType(t, e.alice.call(map[string]any{"type": "create_chat", "chat_id": "ops", "title": "Ops", "members": []string{"bob"}}), "ack")
	testnode.MustType(t, e.alice.call(map[string]any{"type": "create_chat", "chat_id": "secret", "title": "alone"}), "ack")
	testnode.MustType(t, e.alice.call(map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": "m-1", "body": "hi"}), "ack")

	probes := []struct {
		key   string
		probe func(*gapEnv) (bool, string)
	}{
		{"ref-length", probeRefLength},
		{"sync-chats", probeSyncChats},
		{"error-chat-id", probeErrorChatID},
		{"sync-not-member", probeSyncNotMember},
		{"close-echo", probeCloseEcho},
		{"utf8-1007", probeUTF8},
		{"control-125", probeControl125},
		{"v1.1-membership", probeUnknown("add_members", "remove_member", "leave_chat")},
		{"v1.1-edits", probeUnknown("edit_message", "delete_message")},
		{"v1.1-delivery", probeUnknown("delivery_receipt")},
		{"v1.1-presence", probeUnknown("get_presence")},
		{"history-item-type", probeHistoryType},
		{"error-budget", probeErrorBudget}, // last: it stops the node
	}
	for _, p := range probes {
		t.Run(p.key, func(t *testing.T) {
			e.t = t
			ok, detail := p.probe(e)
			why, known := knownGaps[p.key]
			switch {
			case ok && known:
				t.Errorf("known gap %q is fixed (%s): delete it from knownGaps and from PROTOCOL.md's \"Where the server differs\"", p.key, why)
			case !ok && !known:
				t.Errorf("server differs from PROTOCOL.md: %s", detail)
			case !ok:
				t.Logf("known gap: %s (%s)", why, detail)
			}
		})
	}
	if len(probes) != len(knownGaps) {
		for key := range knownGaps {
			if !hasProbe(key, probes) {
				t.Errorf("knownGaps[%q] has no probe", key)
			}
		}
	}
}

func hasProbe[P any](key string, probes []struct {
	key   string
	probe P
}) bool {
	for _, p := range probes {
		if p.key == key {
			return true
		}
	}
	return false
}

// probeRefLength reads the answer raw: while the gap lasts, the echoed
// ref breaks the schema, which is the gap itself.
func probeRefLength(e *gapEnv) (bool, string) {
	c := dial(e.t, e.rec, e.n, "longref")
	ref := strings.Repeat("r", 129)
	c.sendBad(ws.OpText, []byte(`{"type":"ping","ref":"`+ref+`"}`))
	f, err := c.c.Next(wait)
	if err != nil {
		e.t.Fatal(err)
	}
	c.closeAndDrain()
	return f.Type == "error" && f.Str("code") == "invalid_payload", "ping with a 129-byte ref got " + f.Type
}

func probeSyncChats(e *gapEnv) (bool, string) {
	c := dial(e.t, e.rec, e.n, "syncer")
	pos := map[string]any{}
	for i := range 1001 {
		pos[fmt.Sprintf("c%d", i)] = 0
	}
	raw, _ := json.Marshal(map[string]any{"type": "sync_request", "ref": "big", "positions": pos})
	c.sendBad(ws.OpText, raw)
	f := c.expect("answer", func(f client.Frame) bool { return f.Ref() == "big" })
	ok := f.Type == "error" && f.Str("code") == "invalid_payload"
	c.closeAndDrain()
	return ok, fmt.Sprintf("sync_request with 1,001 chats got %s %s", f.Type, f.Str("code"))
}

func probeErrorChatID(e *gapEnv) (bool, string) {
	c := dial(e.t, e.rec, e.n, "carol")
	f := c.call(map[string]any{"type": "send_message", "chat_id": "ops", "client_msg_id": "c-1", "body": "x"})
	c.closeAndDrain()
	return f.Str("chat_id") == "ops", "not_member error: " + string(f.Raw)
}

func probeSyncNotMember(e *gapEnv) (bool, string) {
	e.bob.send(map[string]any{"type": "sync_request", "ref": "nm", "positions": map[string]any{"secret": 0, "nowhere": 0}})
	var errs []client.Frame
	for {
		f := e.bob.expect("sync answer", func(f client.Frame) bool { return f.Ref() == "nm" })
		if f.Type == "sync_complete" {
			break
		}
		errs = append(errs, f)
	}
	ok := len(errs) == 1 && len(anyList(errs[0].Fields["chat_ids"])) == 2
	return ok, fmt.Sprintf("%d error frames for 2 foreign chats", len(errs))
}

func anyList(v any) []any { l, _ := v.([]any); return l }

func probeCloseEcho(e *gapEnv) (bool, string) {
	c := dial(e.t, e.rec, e.n, "closer")
	_ = c.c.SendRaw(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	_, err := c.c.Next(wait)
	return client.CloseCode(err) == 1000, fmt.Sprintf("after a client close 1000 the client read %v", err)
}

func probeUTF8(e *gapEnv) (bool, string) {
	c := dial(e.t, e.rec, e.n, "utf8")
	_ = c.c.SendRaw(ws.OpText, []byte("{\"type\":\"ping\",\"ref\":\"\xff\"}"))
	_, err := c.c.Next(wait)
	return client.CloseCode(err) == 1007, fmt.Sprintf("invalid UTF-8 got %v", errOrFrame(err))
}

func probeControl125(e *gapEnv) (bool, string) {
	c := dial(e.t, e.rec, e.n, "pinger")
	_ = c.c.SendRaw(ws.OpPing, make([]byte, 126))
	c.send(map[string]any{"type": "ping", "ref": "after"})
	_, err := c.next()
	if err == nil {
		c.closeAndDrain()
	}
	return client.CloseCode(err) == 1002, fmt.Sprintf("a 126-byte ping got %v", errOrFrame(err))
}

func errOrFrame(err error) string {
	if err == nil {
		return "a frame"
	}
	return err.Error()
}

// v11Frames are well-formed v1.1 commands, harmless to the other probes
// once served (carol is added, then removed; alice leaves her own chat).
var v11Frames = map[string]map[string]any{
	"add_members":      {"type": "add_members", "chat_id": "ops", "members": []string{"carol"}},
	"remove_member":    {"type": "remove_member", "chat_id": "ops", "user": "carol"},
	"leave_chat":       {"type": "leave_chat", "chat_id": "secret"},
	"edit_message":     {"type": "edit_message", "chat_id": "ops", "seq": 1, "body": "hi, edited"},
	"delete_message":   {"type": "delete_message", "chat_id": "ops", "seq": 1},
	"delivery_receipt": {"type": "delivery_receipt", "chat_id": "ops", "seq": 1},
	"get_presence":     {"type": "get_presence", "users": []string{"bob", "stranger"}},
}

// probeUnknown: the v1.1 commands are served (anything but unknown_type).
// Their replies, and whatever they fan out, are validated like all frames.
func probeUnknown(types ...string) func(*gapEnv) (bool, string) {
	return func(e *gapEnv) (bool, string) {
		var unknown []string
		for _, typ := range types {
			f := e.alice.call(v11Frames[typ])
			if f.Type == "error" && f.Str("code") == "unknown_type" {
				unknown = append(unknown, typ)
			}
		}
		return len(unknown) == 0, fmt.Sprintf("unknown_type for %v", unknown)
	}
}

func probeHistoryType(e *gapEnv) (bool, string) {
	f := e.alice.call(map[string]any{"type": "get_history", "chat_id": "ops"})
	items := anyList(f.Fields["messages"])
	if len(items) == 0 {
		return false, "empty history"
	}
	typ, _ := items[0].(map[string]any)["type"].(string)
	return typ == "message", "first history item: " + fmt.Sprint(items[0])
}

// probeErrorBudget: 30 bad frames in a burst leave at most 10 error events
// and one summary for that connection.
func probeErrorBudget(e *gapEnv) (bool, string) {
	c := dial(e.t, e.rec, e.n, "flooder")
	id := c.call(map[string]any{"type": "get_connection_status"}).Str("connection_id")
	for i := range 30 {
		c.sendBad(ws.OpText, []byte(fmt.Sprintf(`{"type":"teleport","ref":"f%d"}`, i)))
	}
	c.expect("last error", func(f client.Frame) bool { return f.Ref() == "f29" })
	e.n.Stop() // flushes the writer: every accepted event is in the store
	count := 0
	for rec, err := range e.n.Store.ReadAll(context.Background(), events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{events.TypeErrorRecorded}}}) {
		if err != nil {
			e.t.Fatal(err)
		}
		var ev struct {
			ConnectionID string `json:"connection_id"`
		}
		if json.Unmarshal(rec.Data, &ev) == nil && ev.ConnectionID == id {
			count++
		}
	}
	return count <= 11, fmt.Sprintf("%d error events for 30 bad frames in a burst", count)
}
