package main

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// forged is what an attacker stores as a chat id: a newline, then a whole
// fake timeline row, then terminal escapes (clear screen, bell) and a bidi
// override.
const forged = "c1\n2025-03-04T10:30:09.000Z        9  chat-c1 MessagePosted seq=9 from=admin body=\"grant\"\x1b[2J\x07\u202e"

// TestReplayTextEscapesStoredStrings: no stored string can forge an output
// line or send control characters to the terminal of the person on call,
// in timeline (text and JSONL), state, chain or diff output.
func TestReplayTextEscapesStoredStrings(t *testing.T) {
	dir := t.TempDir()
	writeForgedLog(t, dir)
	cases := []struct {
		args  []string
		lines int
	}{
		{[]string{"replay", "timeline", "--data", dir}, 1 + 4},
		{[]string{"replay", "timeline", "--data", dir, "--format", "jsonl"}, 4},
		{[]string{"replay", "state", "--data", dir, "--chat", forged}, -1},
		{[]string{"replay", "chain", "--data", dir, "--correlation", "k1/r2\n\x1b]0;owned\x07"}, 1 + 4},
		{[]string{"replay", "diff", "--data", dir, "--chat", forged, "--from", "2025-03-04T10:30:00Z", "--to", "2025-03-04T10:30:05Z"}, -1},
	}
	for _, c := range cases {
		code, out, errs := runCLI(c.args...)
		if code != 0 {
			t.Fatalf("%q: exit %d, stderr %q", c.args[:2], code, errs)
		}
		if bad := controlOutside(out); bad != "" {
			t.Errorf("%q printed a raw %q:\n%s", c.args[:2], bad, out)
		}
		if c.lines > 0 && strings.Count(out, "\n") != c.lines {
			t.Errorf("%q printed %d lines, want %d (a stored newline forged a row):\n%s", c.args[:2], strings.Count(out, "\n"), c.lines, out)
		}
		if strings.Contains(out, "\n2025-03-04T10:30:09") {
			t.Errorf("%q: the forged row reads as a row of its own:\n%s", c.args[:2], out)
		}
	}
}

// writeForgedLog stores a connection, a chat and a message whose ids,
// user, client_msg_id and correlation id carry control characters.
func writeForgedLog(t *testing.T, dir string) {
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC)
	user := "mallory\r\x1b[1A"
	corr := "k1/r2\n\x1b]0;owned\x07"
	put := func(stream string, ev events.Event) {
		if _, err := st.Append(context.Background(), stream, events.Any(), events.MustEncode(ev, events.Metadata{CorrelationID: corr})); err != nil {
			t.Fatal(err)
		}
	}
	put(events.ConnectionStream("k1"), events.ConnectionOpened{ConnectionID: "k1", UserID: user, Node: "n1\x1b[31m", Protocol: "linkup.v1", At: t0})
	put(events.ChatStream(forged), events.ChatCreated{ChatID: forged, Title: "t\x07", Members: []string{user, "bob\n"}, CreatedBy: user, At: t0.Add(time.Second)})
	put(events.ChatStream(forged), events.MessagePosted{ChatID: forged, Seq: 1, MessageID: "m\x1b", Sender: user, Body: "hi\x1b[2J", ClientMsgID: "x\n1", SentAt: t0.Add(2 * time.Second)})
	put(events.ChatStream(forged), events.ChatRead{ChatID: forged, User: "bob\n", LastReadSeq: 1, At: t0.Add(3 * time.Second)})
}

// controlOutside returns the first control or bidi character of out other
// than the newlines that end rows, or "".
func controlOutside(out string) string {
	for _, r := range out {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
			return string(r)
		}
	}
	return ""
}
