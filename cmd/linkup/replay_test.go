package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

var replayT0 = time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC)

// writeReplayLog writes a small incident to a real embedded store in dir
// and leaves it open for writing, as a running server would.
func writeReplayLog(t *testing.T, dir string) *embedded.Store {
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	put := func(stream string, ev events.Event, corr string) {
		if _, err := st.Append(context.Background(), stream, events.Any(), events.MustEncode(ev, events.Metadata{CorrelationID: corr})); err != nil {
			t.Fatal(err)
		}
	}
	put(events.ConnectionStream("k1"), events.ConnectionOpened{ConnectionID: "k1", UserID: "alice", Node: "n1", Protocol: "linkup.v1", At: replayT0}, "k1/open")
	put(events.ChatStream("c1"), events.ChatCreated{ChatID: "c1", Title: "ops", Members: []string{"alice", "bob"}, CreatedBy: "alice", At: replayT0.Add(time.Second)}, "k1/r1")
	put(events.ChatStream("c1"), events.MessagePosted{ChatID: "c1", Seq: 1, MessageID: "m-1", Sender: "alice", Body: "hi", ClientMsgID: "x1", SentAt: replayT0.Add(2 * time.Second)}, "k1/r2")
	put(events.ChatStream("c1"), events.ChatRead{ChatID: "c1", User: "bob", LastReadSeq: 1, At: replayT0.Add(3 * time.Second)}, "k2/r1")
	return st
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestReplayCLI runs the subcommands against a store another process
// (here: another Store in this process) holds open for writing.
func TestReplayCLI(t *testing.T) {
	dir := t.TempDir()
	writeReplayLog(t, dir)
	code, out, errs := runCLI("replay", "timeline", "--data", dir, "--format", "jsonl", "--chat", "c1")
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, `"type":"MessagePosted"`) {
		t.Fatalf("timeline: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = runCLI("replay", "timeline", "--data", dir, "--user", "bob", "--until", "2025-03-04T10:30:02Z")
	if code != 0 || !strings.Contains(out, "ChatCreated") || strings.Contains(out, "ChatRead") {
		t.Fatalf("timeline text: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = runCLI("replay", "state", "--data", dir, "--chat", "c1", "--at", "2025-03-04T10:30:02Z")
	var v struct {
		ChatID    string            `json:"chat_id"`
		LatestSeq uint64            `json:"latest_seq"`
		Read      map[string]uint64 `json:"read"`
	}
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || v.LatestSeq != 1 || v.Read["bob"] != 0 || v.Read["alice"] != 1 {
		t.Fatalf("state: exit %d, %v, stdout %q, stderr %q", code, err, out, errs)
	}
	for _, args := range [][]string{
		{"replay", "state", "--data", dir, "--user", "alice"},
		{"replay", "diff", "--data", dir, "--chat", "c1", "--from", "2025-03-04T10:30:01Z", "--to", "2025-03-04T10:30:03Z"},
		{"replay", "chain", "--data", dir, "--correlation", "k1/r2"},
	} {
		if code, out, errs := runCLI(args...); code != 0 || out == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// TestReplayCLIBadArguments: each gets one line on stderr and a non-zero
// exit, never a stack trace.
func TestReplayCLIBadArguments(t *testing.T) {
	dir := t.TempDir()
	writeReplayLog(t, dir)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	cases := map[string][]string{
		"unknown chat":        {"replay", "state", "--data", dir, "--chat", "nope"},
		"unknown chat filter": {"replay", "timeline", "--data", dir, "--chat", "nope"},
		"future time":         {"replay", "state", "--data", dir, "--chat", "c1", "--at", future},
		"future since":        {"replay", "timeline", "--data", dir, "--since", future},
		"empty data dir":      {"replay", "timeline", "--data", t.TempDir()},
		"no chat nor user":    {"replay", "state", "--data", dir},
		"unknown format":      {"replay", "timeline", "--data", dir, "--format", "xml"},
		"unknown user":        {"replay", "state", "--data", dir, "--user", "zed"},
		"chain without start": {"replay", "chain", "--data", dir},
		"esdb without url":    {"replay", "timeline", "--store", "esdb"},
		"before creation":     {"replay", "state", "--data", dir, "--chat", "c1", "--at", "2025-03-04T10:00:00Z"},
		"diff unknown chat":   {"replay", "diff", "--data", dir, "--chat", "nope"},
		"time and position":   {"replay", "state", "--data", dir, "--chat", "c1", "--at", "2025-03-04T10:30:02Z", "--position", "2"},
	}
	for name, args := range cases {
		code, out, errs := runCLI(args...)
		if code == 0 || strings.Count(errs, "\n") != 1 || strings.Contains(errs, "goroutine") || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, out, errs)
		}
	}
	for _, args := range [][]string{
		{"replay", "state", "--data", dir, "--chat", "c1", "--at", "yesterday"},
		{"replay", "timeline", "--data", dir, "--since", "10:32"},
		{"replay", "diff", "--data", dir, "--chat", "c1", "--from", "2025-03-04", "--to", "2025-03-05T00:00:00Z"},
	} {
		code, _, errs := runCLI(args...)
		if code == 0 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "is not an RFC3339 time") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}
