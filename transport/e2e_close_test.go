package transport_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// writeMasked writes f as a client would, masked, whatever its header says.
func writeMasked(t *testing.T, c *client.Client, f ws.Frame) {
	t.Helper()
	if err := ws.WriteFrame(c.Conn(), ws.MaskFrame(f)); err != nil {
		t.Fatal(err)
	}
}

// closedWith reads until the server's close frame and returns it.
func closedWith(t *testing.T, c *client.Client) *client.CloseError {
	t.Helper()
	_, err := c.Expect(wait, func(client.Frame) bool { return false })
	var ce *client.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("no close frame from the server: %v", err)
	}
	return ce
}

// A client's close frame is answered with a close frame of the same code
// (RFC 6455 5.5.1), so a client closing with 1000 sees a clean 1000 close,
// not 1006; the session is recorded as closed by the client (issue #11,
// item 5).
func TestClientCloseIsEchoed(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	for _, code := range []ws.StatusCode{1000, 1001, 1012, 3000, 4999} {
		c := n.Dial(t, "alice")
		expectAlive(t, c)
		if err := c.SendRaw(ws.OpClose, ws.NewCloseFrameBody(code, "bye")); err != nil {
			t.Fatal(err)
		}
		if ce := closedWith(t, c); ce.Code != int(code) {
			t.Fatalf("client closed with %d, server answered %d", code, ce.Code)
		}
	}
	c := n.Dial(t, "alice")
	if err := c.SendRaw(ws.OpClose, nil); err != nil {
		t.Fatal(err)
	}
	if ce := closedWith(t, c); ce.Code != 0 {
		t.Fatalf("an empty close frame must be answered with an empty one, got code %d", ce.Code)
	}
	recs := storedEvents(t, n.Store, events.TypeConnectionClosed, 6)
	if len(recs) != 6 {
		t.Fatalf("%d ConnectionClosed recorded, want 6", len(recs))
	}
	for _, r := range recs {
		var cc events.ConnectionClosed
		_ = json.Unmarshal(r.Data, &cc)
		if cc.Reason != "client closed" {
			t.Fatalf("ConnectionClosed reason %q, want \"client closed\"", cc.Reason)
		}
	}
}

// Frames RFC 6455 forbids close the connection with 1002, text that is not
// UTF-8 with 1007; valid UTF-8 split across fragments is fine (issue #11,
// item 6).
func TestInvalidFramesCloseWith1002Or1007(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	rsv := ws.NewTextFrame([]byte(`{"type":"ping"}`))
	rsv.Header.Rsv = ws.Rsv(true, false, false)
	reserved := ws.NewFrame(ws.OpCode(0x3), true, []byte(`{"type":"ping"}`))
	cases := []struct {
		name   string
		frames []ws.Frame
		code   int
	}{
		{"text not UTF-8", []ws.Frame{ws.NewTextFrame([]byte("{\"type\":\"ping\",\"ref\":\"\xff\xfe\"}"))}, 1007},
		{"fragments not UTF-8", []ws.Frame{ws.NewFrame(ws.OpText, false, []byte(`{"type":"ping","ref":"`)), ws.NewFrame(ws.OpContinuation, true, []byte("\xc3\"}"))}, 1007},
		{"ping over 125 bytes", []ws.Frame{ws.NewPingFrame(bytes.Repeat([]byte("p"), 126))}, 1002},
		{"fragmented ping", []ws.Frame{ws.NewFrame(ws.OpPing, false, []byte("p"))}, 1002},
		{"close over 125 bytes", []ws.Frame{ws.NewCloseFrame(append([]byte{0x03, 0xe8}, bytes.Repeat([]byte("r"), 124)...))}, 1002},
		{"reserved bit", []ws.Frame{rsv}, 1002},
		{"reserved opcode", []ws.Frame{reserved}, 1002},
		{"continuation first", []ws.Frame{ws.NewFrame(ws.OpContinuation, true, []byte("x"))}, 1002},
		{"text inside fragmented text", []ws.Frame{ws.NewFrame(ws.OpText, false, []byte("{")), ws.NewTextFrame([]byte("{}"))}, 1002},
		{"close code 999", []ws.Frame{ws.NewCloseFrame(ws.NewCloseFrameBody(999, ""))}, 1002},
		{"close code 1004", []ws.Frame{ws.NewCloseFrame(ws.NewCloseFrameBody(1004, ""))}, 1002},
		{"close code 1005", []ws.Frame{ws.NewCloseFrame(ws.NewCloseFrameBody(1005, ""))}, 1002},
		{"close code 1006", []ws.Frame{ws.NewCloseFrame(ws.NewCloseFrameBody(1006, ""))}, 1002},
		{"close code 1016", []ws.Frame{ws.NewCloseFrame(ws.NewCloseFrameBody(1016, ""))}, 1002},
		{"close code 2000", []ws.Frame{ws.NewCloseFrame(ws.NewCloseFrameBody(2000, ""))}, 1002},
		{"close code 5000", []ws.Frame{ws.NewCloseFrame(ws.NewCloseFrameBody(5000, ""))}, 1002},
		{"close body of one byte", []ws.Frame{ws.NewCloseFrame([]byte{3})}, 1002},
		{"close reason not UTF-8", []ws.Frame{ws.NewCloseFrame(ws.NewCloseFrameBody(1000, "\xff"))}, 1007},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := n.Dial(t, "alice")
			expectAlive(t, c)
			for _, f := range tc.frames {
				writeMasked(t, c, f)
			}
			if ce := closedWith(t, c); ce.Code != tc.code {
				t.Fatalf("closed with %d (%q), want %d", ce.Code, ce.Reason, tc.code)
			}
		})
	}
	t.Run("UTF-8 split across fragments is fine", func(t *testing.T) {
		c := n.Dial(t, "alice")
		writeMasked(t, c, ws.NewFrame(ws.OpText, false, []byte("{\"type\":\"ping\",\"ref\":\"\xc3")))
		writeMasked(t, c, ws.NewFrame(ws.OpPing, true, []byte("between fragments")))
		writeMasked(t, c, ws.NewFrame(ws.OpContinuation, true, []byte("\xa9\"}")))
		if _, err := c.Expect(wait, client.Is("pong", "é")); err != nil {
			t.Fatalf("a fragmented ping with é split across fragments: %v", err)
		}
	})
	if recs := storedEvents(t, n.Store, events.TypeErrorRecorded, len(cases)); len(recs) < len(cases) {
		t.Fatalf("%d refusals recorded, want %d", len(recs), len(cases))
	}
}
