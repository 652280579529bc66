package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestPostgresOutageIsUnavailableNotALoss runs `linkup serve --store
// postgres` against a real PostgreSQL, kills PostgreSQL with SIGKILL under
// a real WebSocket client and restarts it. While it is down, sends get
// `unavailable` (never a false ack) and ping still answers on the same
// connection; once it is back the server reconnects by itself, the
// refused sends (retried with their client_msg_ids) are stored once each,
// the outage is in the log as ErrorRecorded(store_unavailable), SIGTERM
// exits 0, and the password appears in no log line and no event.
func TestPostgresOutageIsUnavailableNotALoss(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	dir := t.TempDir()
	p := startServe(t, dir, "--store", "postgres", "--postgres-url", url)
	alice := dial(t, p.url(), tokenFor(t, dir, "alice"))
	if f := request(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1", "title": "pg"}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	send := func(i int) client.Frame {
		return request(t, alice, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": fmt.Sprint(i), "body": "m"})
	}
	acked := map[int]uint64{}
	i := 1
	for ; i <= 20; i++ {
		f := send(i)
		if f.Type != "ack" {
			t.Fatalf("send %d before the outage: %s", i, f.Raw)
		}
		acked[i] = uint64(f.Num("seq"))
	}

	srv.Kill(t)
	var refused []int
	for ; len(refused) < 3 && i <= 60; i++ {
		switch f := send(i); {
		case f.Type == "ack":
			t.Fatalf("send %d acknowledged while PostgreSQL is dead: %s", i, f.Raw)
		case f.Type == "error" && f.Str("code") == "unavailable":
			refused = append(refused, i)
		default:
			t.Fatalf("send %d while PostgreSQL is dead: %s", i, f.Raw)
		}
	}
	if f := request(t, alice, map[string]any{"type": "ping"}); f.Type == "error" {
		t.Fatalf("ping while PostgreSQL is dead: %s", f.Raw)
	}

	srv.Restart(t)
	for _, r := range refused {
		acked[r] = retryUntilAcked(t, send, r)
	}
	for n := i + 5; i < n; i++ { // new sends after the outage, same connection
		if f := send(i); f.Type != "ack" {
			t.Fatalf("send %d after the restart: %s", i, f.Raw)
		}
	}
	waitStoreUnavailableRecorded(t, url)
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after the outage; logs:\n%s", code, p.logs)
	}
	pgCheckAckedOnce(t, url, "c1", acked)
	checkNoSecret(t, url, srv.Password(), p.logs.String())
	want := "database=" + pgtest.WithoutPassword(strings.SplitN(url, "?", 2)[0])
	if !strings.Contains(p.logs.String(), "store=postgres") || !strings.Contains(p.logs.String(), want) {
		t.Fatalf("the logs do not name the store and database (%s):\n%s", want, p.logs)
	}
	t.Logf("%d acked, %d refused during the outage then stored", len(acked), len(refused))
}

// waitStoreUnavailableRecorded waits (up to 30 s) for the server to record
// the outage once PostgreSQL is back.
func waitStoreUnavailableRecorded(t *testing.T, url string) {
	t.Helper()
	poll.Until(t, 30*time.Second, "the outage in the log as ErrorRecorded(store_unavailable)", func() bool {
		return pgCountErrors(t, url, "store_unavailable") > 0
	})
}
