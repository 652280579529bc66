package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestServeAndReplaysShareOnePostgresLog runs `linkup serve --store
// postgres` and, while a real client keeps sending, two `linkup replay
// timeline` processes against the same PostgreSQL log (URL from
// LINKUP_POSTGRES_URL). Each replay must see the chat from its creation
// with every message acknowledged before it started, in order, each once;
// afterwards `linkup projections status` over the same log shows every
// projection at the head.
func TestServeAndReplaysShareOnePostgresLog(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	dir := t.TempDir()
	p := startServe(t, dir, "--store", "postgres", "--postgres-url", url)
	alice := dial(t, p.url(), tokenFor(t, dir, "alice"))
	if f := request(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1", "title": "shared"}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	send := func(i int) {
		f := request(t, alice, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": fmt.Sprint(i), "body": "m"})
		if f.Type != "ack" || f.Num("seq") != float64(i) {
			t.Errorf("send %d: %s", i, f.Raw)
		}
	}
	const before, during = 20, 20
	for i := 1; i <= before; i++ {
		send(i)
	}
	env := []string{"LINKUP_POSTGRES_URL=" + url}
	outs := make([]string, 2)
	var wg sync.WaitGroup
	for k := range outs {
		wg.Go(func() {
			code, out, errs := runProc(t, env, "replay", "timeline", "--store", "postgres", "--chat", "c1", "--format", "jsonl", "--data", dir)
			if code != 0 {
				t.Errorf("replay %d: exit %d: %s", k, code, errs)
			}
			outs[k] = out
		})
	}
	for i := before + 1; i <= before+during; i++ {
		send(i)
	}
	wg.Wait()
	for k, out := range outs {
		checkReplayedChat(t, k, out, before)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("serve exit %d; logs:\n%s", code, p.logs)
	}
	code, out, errs := runProc(t, env, "projections", "status", "--store", "postgres", "--data", dir)
	if code != 0 {
		t.Fatalf("projections status: exit %d: %s", code, errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		if f := strings.Fields(line); len(f) < 3 || f[1] != f[2] {
			t.Fatalf("a projection is behind the PostgreSQL log:\n%s", out)
		}
	}
}

// checkReplayedChat checks one replay's jsonl: ChatCreated first, then
// MessagePosted with seq 1, 2, ... at least up to atLeast, positions
// rising.
func checkReplayedChat(t *testing.T, k int, out string, atLeast int) {
	t.Helper()
	var lastPos uint64
	seq := 0
	for n, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e struct {
			Position uint64
			Type     string
			Data     struct{ Seq int }
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("replay %d line %d: %v: %q", k, n, err, line)
		}
		if e.Position <= lastPos {
			t.Fatalf("replay %d: position %d after %d", k, e.Position, lastPos)
		}
		lastPos = e.Position
		switch {
		case n == 0 && e.Type != "ChatCreated":
			t.Fatalf("replay %d starts with %s", k, e.Type)
		case e.Type == "MessagePosted":
			if seq++; e.Data.Seq != seq {
				t.Fatalf("replay %d: seq %d where %d was due", k, e.Data.Seq, seq)
			}
		}
	}
	if seq < atLeast {
		t.Fatalf("replay %d saw %d messages, at least %d were acknowledged before it started", k, seq, atLeast)
	}
	t.Logf("replay %d saw %d messages", k, seq)
}
