package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// forEachReadModel runs fn once with the SQLite read model (rmURL "") and
// once with a fresh PostgreSQL database.
func forEachReadModel(t *testing.T, fn func(t *testing.T, rmURL string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.Shared(t).NewDatabase(t)) })
}

// TestReadModelURLErrors: a bad --readmodel (or LINKUP_READMODEL) is one
// clear line on stderr and exit 1, and the password never shows.
func TestReadModelURLErrors(t *testing.T) {
	const secret = "s3cr3t-pw"
	dir := t.TempDir()
	writeReplayLog(t, dir)
	for _, c := range []struct{ name, url, want string }{
		{"malformed port", "postgres://linkup:" + secret + "@127.0.0.1:notaport/db", "malformed PostgreSQL URL"},
		{"unreachable", "postgres://linkup:" + secret + "@127.0.0.1:1/db?connect_timeout=5", "open read model"},
		{"not postgres", "mysql://linkup:" + secret + "@127.0.0.1/db", "want a postgres:// URL"},
		{"password in query", "postgres://127.0.0.1:1/db?user=linkup&password=" + secret, "open read model"},
	} {
		for _, args := range [][]string{
			{"projections", "status", "--data", dir, "--readmodel", c.url},
			{"projections", "rebuild", "--data", dir, "--readmodel", c.url},
			{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--readmodel", c.url},
		} {
			code, _, stderr := runCLI(args...)
			if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, secret) {
				t.Errorf("%s, %s: exit %d, stderr %q; want exit 1 and one line with %q, no password", c.name, args[0], code, stderr, c.want)
			}
		}
	}
	t.Run("wrong password", func(t *testing.T) {
		srv := pgtest.Shared(t)
		bad := strings.Replace(srv.DatabaseURL("postgres"), srv.Password(), secret, 1)
		code, _, stderr := runCLI("projections", "rebuild", "--data", dir, "--readmodel", bad)
		if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "password authentication failed") || strings.Contains(stderr, secret) {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Setenv("LINKUP_READMODEL", "postgres://linkup:"+secret+"@127.0.0.1:1/db")
	if code, _, stderr := runCLI("projections", "status", "--data", dir); code != 1 || !strings.Contains(stderr, "postgres://linkup:xxxxx@127.0.0.1:1/db") {
		t.Errorf("LINKUP_READMODEL: exit %d, stderr %q", code, stderr)
	}
}

// TestQueryAPISameBodiesFromBothReadModels: one event log projected into
// SQLite and into PostgreSQL, each behind the real query handler; every
// query answers with the same bytes (times to the nanosecond, contexts,
// non-ASCII text, byte-order sorting, cursors).
func TestQueryAPISameBodiesFromBothReadModels(t *testing.T) {
	dir := t.TempDir()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // after the projections' cleanups
	t0 := time.Date(2026, 11, 25, 10, 5, 0, 123456789, time.UTC)
	var last uint64
	add := func(stream string, ev events.Event) {
		res, err := st.Append(context.Background(), stream, events.Any(), events.MustEncode(ev))
		if err != nil {
			t.Fatal(err)
		}
		last = res.Position
	}
	for i := range 12 {
		add(events.ErrorStream("k1"), events.ErrorRecorded{ErrorType: []string{"invalid_payload", "unknown_type", "Zeta"}[i%3],
			Message: fmt.Sprintf("m%d é ✓", i), Severity: []string{"low", "high"}[i%2], User: []string{"bob", "Bob", "älice"}[i%3],
			ConnectionID: fmt.Sprint("k", i%2), Context: map[string]any{"i": i, "nested": map[string]any{"x": []any{1.5, "y", nil}}},
			At: t0.Add(time.Duration(i)*17*time.Minute + time.Duration(i))})
	}
	add(events.ChatStream("c1"), events.ChatCreated{ChatID: "c1", Members: []string{"bob", "Bob", "älice"}, CreatedBy: "bob"})
	add(events.ChatStream("C0"), events.ChatCreated{ChatID: "C0", Members: []string{"bob"}, CreatedBy: "bob"})
	for seq := uint64(1); seq <= 3; seq++ {
		add(events.ChatStream("c1"), events.MessagePosted{ChatID: "c1", Seq: seq, Sender: "Bob"})
	}
	add(events.ChatStream("c1"), events.ChatRead{ChatID: "c1", User: "bob", LastReadSeq: 2})

	var urls []string
	for _, rmURL := range []string{"", pgtest.Shared(t).NewDatabase(t)} {
		backend, stop, err := startProjections(context.Background(), st, dir, rmURL, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		h, err := transport.NewQueryHandler(transport.QueryConfig{Backend: backend, Secret: querySecret})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(func() { srv.Close(); stop() })
		f := &queryFixture{store: st, srv: srv, dir: dir}
		f.waitProjected(t, last)
		urls = append(urls, srv.URL)
	}
	tok := analystToken(t, "analyst")
	since := url.QueryEscape(t0.Add(34*time.Minute + 2).Format(time.RFC3339Nano))
	for _, path := range []string{
		"/v1/errors", "/v1/errors?limit=5", "/v1/errors?limit=5&cursor=8", "/v1/errors?user=Bob", "/v1/errors?user=%C3%A4lice&severity=low",
		"/v1/errors?error_type=Zeta&connection_id=k1", "/v1/errors?since=" + since, "/v1/errors?until=" + since,
		"/v1/errors/hourly", "/v1/errors/hourly?error_type=unknown_type&since=" + since,
		"/v1/read-states?chat=c1", "/v1/read-states?user=bob", "/v1/read-states?user=nobody",
	} {
		_, a := httpGetJSON(t, urls[0]+path, tok)
		_, b := httpGetJSON(t, urls[1]+path, tok)
		if a != b {
			t.Errorf("%s:\nsqlite   %s\npostgres %s", path, a, b)
		}
		if !strings.Contains(a, `"items":[{`) && !strings.HasSuffix(path, "nobody") {
			t.Errorf("%s: no items: %s", path, a)
		}
	}
}
