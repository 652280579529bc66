package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// storedAt matches the store's append times, which vary from run to run.
var storedAt = regexp.MustCompile(`"stored_at":"[^"]*"`)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = storedAt.ReplaceAll(got, []byte(`"stored_at":"<stored>"`))
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./replay -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func TestGoldenTimeline(t *testing.T) {
	dir := t.TempDir()
	scriptedSession(t, dir)
	r := openReplay(t, dir, false)
	cases := []struct {
		name   string
		q      Query
		format Format
	}{
		{"timeline_all_text", Query{}, FormatText},
		{"timeline_all_jsonl", Query{}, FormatJSONL},
		{"timeline_user_bob", Query{User: "bob"}, FormatText},
		{"timeline_user_carol", Query{User: "carol"}, FormatText},
		{"timeline_chat_window", Query{Chat: "c1", Since: at(10 * time.Second), Until: at(2*time.Minute + 10*time.Second)}, FormatText},
		{"timeline_connection_k2", Query{Connection: "k2"}, FormatText},
		{"timeline_errors", Query{Types: []string{"ErrorRecorded"}}, FormatJSONL},
		{"timeline_correlation", Query{Correlation: "k2/slow"}, FormatText},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if _, err := Print(&buf, c.format, r.Timeline(context.Background(), c.q)); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, buf.Bytes())
		})
	}
}

func TestGoldenState(t *testing.T) {
	dir := t.TempDir()
	scriptedSession(t, dir)
	r := openReplay(t, dir, false)
	ctx := context.Background()
	cases := []struct {
		name string
		get  func() (any, error)
	}{
		{"state_chat_1031", func() (any, error) { return r.ChatAt(ctx, "c1", Point{At: at(time.Minute + 30*time.Second)}) }},
		{"state_chat_end", func() (any, error) { return r.ChatAt(ctx, "c1", Point{}) }},
		{"state_chat_pos7", func() (any, error) { return r.ChatAt(ctx, "c1", Point{Position: 7}) }},
		{"state_chat_before_removal", func() (any, error) { return r.ChatAt(ctx, "c1", Point{At: at(5*time.Minute + 35*time.Second)}) }},
		{"state_user_bob_1303", func() (any, error) { return r.UserAt(ctx, "bob", Point{At: at(3*time.Minute + 3*time.Second)}) }},
		{"state_user_bob_end", func() (any, error) { return r.UserAt(ctx, "bob", Point{}) }},
		{"state_user_alice_1300", func() (any, error) { return r.UserAt(ctx, "alice", Point{At: at(3 * time.Minute)}) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := c.get()
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, append(b, '\n'))
		})
	}
}

func TestGoldenDiffAndChain(t *testing.T) {
	dir := t.TempDir()
	scriptedSession(t, dir)
	r := openReplay(t, dir, false)
	ctx := context.Background()
	d, err := r.DiffChat(ctx, "c1", Point{At: at(15 * time.Second)}, Point{At: at(3*time.Minute + 30*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteDiff(&buf, d); err != nil {
		t.Fatal(err)
	}
	golden(t, "diff_chat", buf.Bytes())

	c, err := r.Chain(ctx, ChainQuery{Position: 12})
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := WriteChain(&buf, c); err != nil {
		t.Fatal(err)
	}
	golden(t, "chain_forced_reconnect", buf.Bytes())
}

// TestGoldenAudit: "did they get it": the message carol posted by
// mistake (seq 6), for every member, as text and JSONL; alice's first
// message (seq 1) for bob alone; a user who was not a member.
func TestGoldenAudit(t *testing.T) {
	dir := t.TempDir()
	scriptedSession(t, dir)
	r := openReplay(t, dir, false)
	cases := []struct {
		name   string
		q      AuditQuery
		format Format
	}{
		{"audit_c1_6_text", AuditQuery{Chat: "c1", Seq: 6}, FormatText},
		{"audit_c1_6_jsonl", AuditQuery{Chat: "c1", Seq: 6}, FormatJSONL},
		{"audit_c1_1_bob", AuditQuery{Chat: "c1", Seq: 1, User: "bob"}, FormatText},
		{"audit_c1_2_zed", AuditQuery{Chat: "c1", Seq: 2, User: "zed"}, FormatText},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := r.Audit(context.Background(), c.q)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteAudit(&buf, c.format, a); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, buf.Bytes())
		})
	}
	if _, err := r.Audit(context.Background(), AuditQuery{Chat: "c1", Seq: 99}); !errors.Is(err, ErrUnknownItem) {
		t.Fatalf("seq 99: %v, want ErrUnknownItem", err)
	}
	if _, err := r.Audit(context.Background(), AuditQuery{Chat: "nope", Seq: 1}); !errors.Is(err, ErrUnknownChat) {
		t.Fatalf("unknown chat: %v", err)
	}
}

// TestHasUserAgreesWithUsers: the one-field fast path of the --user filter
// answers as the full decode does, for every event of the session.
func TestHasUserAgreesWithUsers(t *testing.T) {
	dir := t.TempDir()
	scriptedSession(t, dir)
	r := openReplay(t, dir, false)
	n := 0
	for e, err := range r.Timeline(context.Background(), Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"alice", "bob", "zed", ""} {
			fast := e.HasUser(u)
			full := newEntry(e.Rec)
			if want := slices.Contains(full.Users(), u); fast != want {
				t.Errorf("position %d user %q: fast %v, decoded %v", e.Rec.Position, u, fast, want)
			}
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d events", n)
	}
}
