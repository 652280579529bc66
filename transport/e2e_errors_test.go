package transport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/transport"
)

// Every bad input of PROTOCOL.md section 4 gets a coded error, is recorded
// as an ErrorRecorded, and leaves the connection open.
func TestBadInputGetsCodedErrorAndConnectionStays(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	bob := n.Dial(t, "bob")
	createChat(t, bob, "bobs")
	createChat(t, alice, "mine")
	cases := []struct {
		name, frame, code, ref string
	}{
		{"not json", `{"type": "ping"`, "invalid_json", ""},
		{"list payload", `[{"type":"ping"}]`, "invalid_payload", ""},
		{"string payload", `"ping"`, "invalid_payload", ""},
		{"unknown type", `{"type":"get_connection_statuss","ref":"u1"}`, "unknown_type", "u1"},
		{"missing type", `{"ref":"m0"}`, "invalid_payload", "m0"},
		{"type not string", `{"type":7,"ref":"m1"}`, "invalid_payload", "m1"},
		{"missing field", `{"type":"send_message","ref":"m2","chat_id":"bobs","body":"x"}`, "invalid_payload", "m2"},
		{"wrong field type", `{"type":"read_receipt","ref":"m3","chat_id":"bobs","seq":"7"}`, "invalid_payload", "m3"},
		{"negative seq", `{"type":"read_receipt","ref":"m4","chat_id":"bobs","seq":-1}`, "invalid_payload", "m4"},
		{"members not list", `{"type":"create_chat","ref":"m5","title":"x","members":"bob"}`, "invalid_payload", "m5"},
		{"empty body", `{"type":"send_message","ref":"m6","chat_id":"mine","client_msg_id":"1","body":""}`, "invalid_payload", "m6"},
		{"not member send", `{"type":"send_message","ref":"n1","chat_id":"bobs","client_msg_id":"1","body":"hi"}`, "not_member", "n1"},
		{"not member history", `{"type":"get_history","ref":"n2","chat_id":"bobs"}`, "not_member", "n2"},
		{"not member typing", `{"type":"typing","ref":"n3","chat_id":"bobs","is_typing":true}`, "not_member", "n3"},
		{"not member receipt", `{"type":"read_receipt","ref":"n4","chat_id":"bobs","seq":1}`, "not_member", "n4"},
		{"unknown chat", `{"type":"send_message","ref":"n5","chat_id":"nope","client_msg_id":"1","body":"hi"}`, "not_found", "n5"},
		{"ref not string", `{"type":"ping","ref":5}`, "invalid_payload", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := alice.SendRaw(ws.OpText, []byte(tc.frame)); err != nil {
				t.Fatal(err)
			}
			f, err := alice.Expect(wait, client.Is("error"))
			if err != nil {
				t.Fatal(err)
			}
			testnode.ExpectError(t, f, tc.code)
			if f.Ref() != tc.ref {
				t.Fatalf("ref %q, want %q", f.Ref(), tc.ref)
			}
			expectAlive(t, alice)
		})
	}
	recs := errorsAccountedFor(t, n.Store, len(cases)) // at most 10 a second, the rest in a summary
	var e events.ErrorRecorded
	_ = json.Unmarshal(recs[0].Data, &e)
	if e.User != "alice" || e.ConnectionID == "" || e.Severity != events.SeverityLow || e.ErrorType != "invalid_json" {
		t.Fatalf("first error event %+v", e)
	}
}

func TestBinaryFrameIsUnsupportedButConnectionStays(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	if err := alice.SendRaw(ws.OpBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	f, err := alice.Expect(wait, client.Is("error"))
	if err != nil {
		t.Fatal(err)
	}
	testnode.ExpectError(t, f, "unsupported_frame")
	expectAlive(t, alice)
}

func TestOversizedFrameClosesWith1009(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Transport: transport.Config{MaxFrameBytes: 1024}})
	alice := n.Dial(t, "alice")
	big := `{"type":"ping","pad":"` + string(bytes.Repeat([]byte("x"), 2000)) + `"}`
	if err := alice.SendRaw(ws.OpText, []byte(big)); err != nil {
		t.Fatal(err)
	}
	_, err := alice.Next(wait)
	if client.CloseCode(err) != 1009 {
		t.Fatalf("want close 1009, got %v", err)
	}
	if recs := storedEvents(t, n.Store, events.TypeErrorRecorded, 1); len(recs) == 0 {
		t.Fatal("oversized frame not recorded")
	}
}

func TestFragmentedTextFrameIsJoined(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	parts := []ws.Frame{ws.NewFrame(ws.OpText, false, []byte(`{"type":"pi`)), ws.NewFrame(ws.OpContinuation, true, []byte(`ng","ref":"frag"}`))}
	for _, p := range parts {
		if err := ws.WriteFrame(alice.Conn(), ws.MaskFrame(p)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := alice.Expect(wait, client.Is("pong", "frag"))
	if err != nil {
		t.Fatalf("no pong for a fragmented ping: %v %s", err, f.Raw)
	}
}

func TestPingTimeoutClosesSilentConnections(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Transport: transport.Config{PingInterval: 100 * time.Millisecond, PongTimeout: 100 * time.Millisecond}})
	c, err := client.Dial(context.Background(), n.URL, client.Options{Token: testnode.Token(t, "alice")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Never read, so pings go unanswered: the server must close.
	recs := storedEvents(t, n.Store, events.TypeConnectionClosed, 1)
	if len(recs) != 1 {
		t.Fatalf("silent connection not closed")
	}
	var cc events.ConnectionClosed
	_ = json.Unmarshal(recs[0].Data, &cc)
	if cc.Reason == "" {
		t.Fatalf("ConnectionClosed without reason: %s", recs[0].Data)
	}
}
