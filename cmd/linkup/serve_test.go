package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

const wait = 10 * time.Second

func dial(t *testing.T, url, tok string) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), url, client.Options{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func request(t *testing.T, c *client.Client, msg map[string]any) client.Frame {
	t.Helper()
	ref := fmt.Sprint(time.Now().UnixNano())
	msg["ref"] = ref
	if err := c.Send(msg); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(wait, func(f client.Frame) bool { return f.Ref() == ref })
	if err != nil {
		t.Fatalf("%v: %v", msg["type"], err)
	}
	return f
}

// A new user's path: serve with no flags but --data, sign a token, chat,
// then SIGTERM: force_reconnect (shutdown), exit 0, everything flushed.
func TestServeChatAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir)
	if fi, err := os.Stat(filepath.Join(dir, "jwt.secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", fi, err)
	}
	alice := dial(t, p.url(), tokenFor(t, dir, "alice"))
	if f := request(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1", "title": "ops"}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	for i := 1; i <= 3; i++ {
		f := request(t, alice, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": fmt.Sprint(i), "body": "hi"})
		if f.Type != "ack" || int(f.Num("seq")) != i {
			t.Fatalf("send: %s", f.Raw)
		}
	}
	if code := p.stopAsync(syscall.SIGTERM); code != nil {
		t.Fatal(code)
	}
	f, err := alice.Expect(wait, client.Is("force_reconnect"))
	if err != nil || f.Str("reason") != "shutdown" {
		t.Fatalf("force_reconnect: %v %s", err, f.Raw)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d; logs:\n%s", code, p.logs)
	}
	counts := countTypes(t, dir)
	if counts[events.TypeMessagePosted] != 3 || counts[events.TypeConnectionClosed] != 1 || counts[events.TypeForceReconnectIssued] != 1 {
		t.Fatalf("after shutdown the log holds %v", counts)
	}
}

func (p *proc) stopAsync(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// countTypes counts the events of each type in dir's store, read-only.
func countTypes(t *testing.T, dir string) map[string]int {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := map[string]int{}
	for rec, err := range st.ReadAll(context.Background(), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out[rec.Type]++
	}
	return out
}

// Acknowledged messages survive SIGKILL; seq continues without a gap after
// the restart and history serves them from the log.
func TestAckedMessagesSurviveSIGKILL(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir)
	tok := tokenFor(t, dir, "alice")
	alice := dial(t, p.url(), tok)
	request(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1", "title": "ops"})
	for i := 1; i <= 20; i++ {
		request(t, alice, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": fmt.Sprint(i), "body": "m"})
	}
	p.stop(t, syscall.SIGKILL)
	p2 := startServe(t, dir)
	alice2 := dial(t, p2.url(), tok)
	again := request(t, alice2, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": "20", "body": "m"})
	if int(again.Num("seq")) != 20 {
		t.Fatalf("a retried send after restart must get its original ack: %s", again.Raw)
	}
	next := request(t, alice2, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": "21", "body": "m"})
	if int(next.Num("seq")) != 21 {
		t.Fatalf("seq after restart: %s", next.Raw)
	}
	h := request(t, alice2, map[string]any{"type": "get_history", "chat_id": "c1", "limit": 500})
	var hist struct{ Messages []struct{ Seq int } }
	_ = json.Unmarshal(h.Raw, &hist)
	for i, m := range hist.Messages {
		if m.Seq != i+1 {
			t.Fatalf("history has a gap or a repeat at %d: %v", i, hist.Messages)
		}
	}
	if len(hist.Messages) != 21 {
		t.Fatalf("history holds %d messages, want 21", len(hist.Messages))
	}
}

// TestServeHealthEndpoints: the three endpoints answer without a token,
// and /metrics carries the scheduler's latencies beside linkup's own series
// (PROTOCOL.md section 6: how a late delivery shows it waited for a CPU).
func TestServeHealthEndpoints(t *testing.T) {
	p := startServe(t, t.TempDir())
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get("http://" + p.addr + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if path != "/metrics" {
			continue
		}
		for _, series := range []string{"go_sched_latencies_seconds_bucket", "linkup_embedded_store_commit_seconds_bucket", "process_cpu_seconds_total"} {
			if !bytes.Contains(body, []byte("\n"+series)) {
				t.Errorf("/metrics has no %s", series)
			}
		}
	}
}

// SIGTERM keeps the listener open for --drain-delay with /readyz answering
// 503 (so a load balancer sees it) and new WebSockets refused with 503;
// then connections get force_reconnect (shutdown) and the process exits 0
// (issue #11, item 8: the listener used to close at once, /readyz never
// answered 503). LINKUP_DRAIN_DELAY also checks the environment variable.
func TestReadyzAnswers503DuringTheDrainWindow(t *testing.T) {
	t.Setenv("LINKUP_DRAIN_DELAY", "3s")
	dir := t.TempDir()
	p := startServe(t, dir)
	alice := dial(t, p.url(), tokenFor(t, dir, "alice"))
	request(t, alice, map[string]any{"type": "ping"})
	if err := p.stopAsync(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var last string
	draining := func() bool {
		resp, err := hc.Get("http://" + p.addr + "/readyz")
		if err != nil {
			last = err.Error()
			return false
		}
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusServiceUnavailable
	}
	if !poll.Within(3*time.Second, draining) {
		t.Fatalf("/readyz never answered 503 after SIGTERM; last: %s", last)
	}
	_, err := client.Dial(context.Background(), p.url(), client.Options{Token: tokenFor(t, dir, "bob")})
	if he, ok := err.(*client.HandshakeError); !ok || he.Status != http.StatusServiceUnavailable {
		t.Fatalf("a new WebSocket during the drain window: %v, want HTTP 503", err)
	}
	if f, err := alice.Expect(wait, client.Is("force_reconnect")); err != nil || f.Str("reason") != "shutdown" {
		t.Fatalf("force_reconnect after the window: %v %s", err, f.Raw)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d; logs:\n%s", code, p.logs)
	}
}
