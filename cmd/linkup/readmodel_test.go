package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
)

var querySecret = []byte("query-test-secret")

// queryFixture is a real embedded store, the real projections runner and
// read model (SQLite when rmURL is empty, else PostgreSQL) behind the real
// query handler, on httptest.
type queryFixture struct {
	store *embedded.Store
	srv   *httptest.Server
	dir   string
}

func newQueryFixture(t *testing.T, rmURL string) *queryFixture {
	t.Helper()
	dir := t.TempDir()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	backend, stop, err := startProjections(context.Background(), st, dir, rmURL, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	h, err := transport.NewQueryHandler(transport.QueryConfig{Backend: backend, Secret: querySecret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); stop(); st.Close() })
	return &queryFixture{store: st, srv: srv, dir: dir}
}

func (f *queryFixture) append(t *testing.T, stream string, ev events.Event) uint64 {
	t.Helper()
	res, err := f.store.Append(context.Background(), stream, events.Any(), events.MustEncode(ev))
	if err != nil {
		t.Fatal(err)
	}
	return res.Position
}

func analystToken(t *testing.T, roles ...string) string {
	t.Helper()
	tok, err := transport.IssueToken(querySecret, "ana", roles, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// get requests path with token and decodes the JSON answer.
func (f *queryFixture) get(t *testing.T, path, token string) (int, map[string]any) {
	t.Helper()
	status, b := testnode.Get(t, f.srv.URL+path, token)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%s: body is not JSON: %v", path, err)
	}
	return status, body
}

// waitProjected polls /v1/projections until every checkpoint reaches pos.
func (f *queryFixture) waitProjected(t *testing.T, pos uint64) {
	t.Helper()
	tok := analystToken(t, "analyst")
	poll.Until(t, 10*time.Second, fmt.Sprintf("projections at position %d", pos), func() bool {
		_, body := f.get(t, "/v1/projections", tok)
		done := true
		for _, it := range body["items"].([]any) {
			done = done && uint64(it.(map[string]any)["checkpoint"].(float64)) >= pos
		}
		return done
	})
}

func TestQueryAPIAuth(t *testing.T) {
	f := newQueryFixture(t, "")
	expired, _ := transport.IssueToken([]byte("other-secret"), "ana", []string{"analyst"}, time.Hour)
	for _, c := range []struct {
		name, token string
		want        int
		code        string
	}{
		{"no token", "", 401, "unauthorized"},
		{"wrong secret", expired, 401, "unauthorized"},
		{"garbage", "not.a.jwt", 401, "unauthorized"},
		{"no analyst role", analystToken(t), 403, "forbidden"},
		{"other role", analystToken(t, "support"), 403, "forbidden"},
		{"analyst", analystToken(t, "support", "analyst"), 200, ""},
	} {
		for _, path := range []string{"/v1/errors", "/v1/errors/hourly", "/v1/read-states?user=bob", "/v1/projections"} {
			status, body := f.get(t, path, c.token)
			if status != c.want {
				t.Errorf("%s %s: status %d, want %d (%v)", c.name, path, status, c.want, body)
			}
			if c.code != "" && body["error"].(map[string]any)["code"] != c.code {
				t.Errorf("%s %s: body %v", c.name, path, body)
			}
		}
	}
}

func TestQueryAPIBadParameters(t *testing.T) {
	f := newQueryFixture(t, "")
	tok := analystToken(t, "analyst")
	for path, param := range map[string]string{
		"/v1/errors?since=yesterday":       "since",
		"/v1/errors?limit=0":               "limit",
		"/v1/errors?cursor=x":              "cursor",
		"/v1/errors?severity=fatal":        "severity",
		"/v1/errors?colour=red":            "colour",
		"/v1/errors/hourly?until=noon":     "until",
		"/v1/read-states":                  "user",
		"/v1/read-states?user=bob&chat=c1": "chat",
		"/v1/projections?verbose=1":        "verbose",
	} {
		status, body := f.get(t, path, tok)
		e, _ := body["error"].(map[string]any)
		if status != 400 || e["code"] != "invalid_parameter" || e["parameter"] != param || e["message"] == "" {
			t.Errorf("%s: %d %v, want 400 invalid_parameter naming %q", path, status, body, param)
		}
	}
}

// TestQueryAPIErrorsAndReadStates drives the whole path: events appended to
// the store show up through the HTTP API once projected, with the same
// answers from either read model.
func TestQueryAPIErrorsAndReadStates(t *testing.T) {
	forEachReadModel(t, testQueryAPIErrorsAndReadStates)
}

func testQueryAPIErrorsAndReadStates(t *testing.T, rmURL string) {
	f := newQueryFixture(t, rmURL)
	t0 := time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC)
	var ids []uint64
	for i := range 5 {
		typ, user := "invalid_payload", "bob"
		if i == 2 {
			typ, user = "unknown_type", "alice"
		}
		ids = append(ids, f.append(t, events.ErrorStream("k1"), events.ErrorRecorded{ErrorType: typ, Message: fmt.Sprint("m", i),
			Severity: "low", User: user, ConnectionID: "k1", Context: map[string]any{"ref": fmt.Sprint(i)}, At: t0.Add(time.Duration(i) * 30 * time.Minute)}))
	}
	f.append(t, events.ChatStream("c1"), events.ChatCreated{ChatID: "c1", Members: []string{"alice", "bob"}, CreatedBy: "alice"})
	for seq := uint64(1); seq <= 3; seq++ {
		f.append(t, events.ChatStream("c1"), events.MessagePosted{ChatID: "c1", Seq: seq, Sender: "alice", Body: "x"})
	}
	last := f.append(t, events.ChatStream("c1"), events.ChatRead{ChatID: "c1", User: "bob", LastReadSeq: 1})
	f.waitProjected(t, last)
	tok := analystToken(t, "analyst")

	t.Run("filter and page newest first", func(t *testing.T) {
		var got []string
		path := "/v1/errors?error_type=invalid_payload&user=bob&limit=3"
		for page := 0; ; page++ {
			status, body := f.get(t, path, tok)
			if status != 200 || page > 3 {
				t.Fatalf("%s: %d %v", path, status, body)
			}
			for _, it := range body["items"].([]any) {
				got = append(got, it.(map[string]any)["id"].(string))
			}
			if body["next_cursor"] == nil {
				break
			}
			path = "/v1/errors?error_type=invalid_payload&user=bob&limit=3&cursor=" + body["next_cursor"].(string)
		}
		want := []string{fmt.Sprint(ids[4]), fmt.Sprint(ids[3]), fmt.Sprint(ids[1]), fmt.Sprint(ids[0])}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("ids %v, want %v", got, want)
		}
	})
	t.Run("item fields", func(t *testing.T) {
		_, body := f.get(t, "/v1/errors?error_type=unknown_type", tok)
		items := body["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("items %v", items)
		}
		it := items[0].(map[string]any)
		want := map[string]any{"id": fmt.Sprint(ids[2]), "error_type": "unknown_type", "message": "m2", "severity": "low",
			"user": "alice", "connection_id": "k1", "at": "2026-11-25T11:05:00Z"}
		for k, v := range want {
			if it[k] != v {
				t.Errorf("%s = %v, want %v", k, it[k], v)
			}
		}
		if it["context"].(map[string]any)["ref"] != "2" {
			t.Errorf("context %v", it["context"])
		}
	})
	t.Run("time range", func(t *testing.T) {
		q := url.Values{"since": {"2026-11-25T10:30:00Z"}, "until": {"2026-11-25T11:30:00Z"}}
		_, body := f.get(t, "/v1/errors?"+q.Encode(), tok)
		if n := len(body["items"].([]any)); n != 2 {
			t.Fatalf("%d items in range, want 2: %v", n, body)
		}
	})
	t.Run("hourly", func(t *testing.T) {
		_, body := f.get(t, "/v1/errors/hourly?error_type=invalid_payload", tok)
		b, _ := json.Marshal(body["items"])
		want := `[{"count":2,"error_type":"invalid_payload","hour":"2026-11-25T10:00:00Z"},{"count":1,"error_type":"invalid_payload","hour":"2026-11-25T11:00:00Z"},{"count":1,"error_type":"invalid_payload","hour":"2026-11-25T12:00:00Z"}]`
		if string(b) != want {
			t.Fatalf("hourly %s\nwant %s", b, want)
		}
	})
	t.Run("read states", func(t *testing.T) {
		_, body := f.get(t, "/v1/read-states?chat=c1", tok)
		b, _ := json.Marshal(body["items"])
		want := `[{"chat_id":"c1","last_read_seq":3,"latest_seq":3,"unread":0,"user":"alice"},{"chat_id":"c1","last_read_seq":1,"latest_seq":3,"unread":2,"user":"bob"}]`
		if string(b) != want {
			t.Fatalf("read states %s\nwant %s", b, want)
		}
		_, body = f.get(t, "/v1/read-states?user=carol", tok)
		if n := len(body["items"].([]any)); n != 0 {
			t.Fatalf("carol has %d read states", n)
		}
	})
	t.Run("projections", func(t *testing.T) {
		_, body := f.get(t, "/v1/projections", tok)
		for _, it := range body["items"].([]any) {
			m := it.(map[string]any)
			if m["lag_events"].(float64) != 0 || m["head"].(float64) != float64(last) || m["updated_at"] == nil {
				t.Errorf("status %v", m)
			}
		}
	})
}

// httpGetJSON GETs url with an analyst token and returns the raw body.
func httpGetJSON(t *testing.T, url, tok string) (int, string) {
	t.Helper()
	status, b := testnode.Get(t, url, tok)
	return status, string(b)
}

// pollUntil polls url until the body contains every want, returning it
// and how long it took.
func pollUntil(t *testing.T, url, tok string, want ...string) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	var status int
	var body string
	answered := func() bool {
		status, body = httpGetJSON(t, url, tok)
		ok := status == 200
		for _, w := range want {
			ok = ok && strings.Contains(body, w)
		}
		return ok
	}
	if !poll.Within(wait, answered) {
		t.Fatalf("%s: %d %s, want %q", url, status, body, want)
	}
	return body, time.Since(start)
}

// TestServeQueryAPIEndToEnd is the issue's acceptance path: a server, a
// WebSocket user who errs and reads, the answers through /v1, the same
// answers after SIGKILL and restart, and after a rebuild run beside it;
// with each read model.
func TestServeQueryAPIEndToEnd(t *testing.T) {
	forEachReadModel(t, testServeQueryAPIEndToEnd)
}

func testServeQueryAPIEndToEnd(t *testing.T, rmURL string) {
	dir := t.TempDir()
	var rmFlags []string
	if rmURL != "" {
		rmFlags = []string{"--readmodel", rmURL}
	}
	p := startServe(t, dir, rmFlags...)
	alice := dial(t, p.url(), tokenFor(t, dir, "alice"))
	bob := dial(t, p.url(), tokenFor(t, dir, "bob"))
	request(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1", "title": "ops", "members": []string{"bob"}})
	for i := 1; i <= 3; i++ {
		request(t, alice, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": fmt.Sprint(i), "body": "hi"})
	}
	request(t, bob, map[string]any{"type": "read_receipt", "chat_id": "c1", "seq": 1})
	if f := request(t, alice, map[string]any{"type": "no_such_type"}); f.Type != "error" {
		t.Fatalf("bad frame: %s", f.Raw)
	}
	ana := tokenFor(t, dir, "ana", "--role", "analyst")
	wantStates := `"user":"bob","chat_id":"c1","last_read_seq":1,"latest_seq":3,"unread":2`
	check := func(label, base string) {
		states, took := pollUntil(t, base+"/v1/read-states?user=bob", ana, wantStates)
		t.Logf("%s: read state visible after %v: %s", label, took, states)
		errs, took := pollUntil(t, base+"/v1/errors?user=alice", ana, `"error_type":"unknown_type"`)
		t.Logf("%s: error visible after %v: %s", label, took, errs)
	}
	check("live", "http://"+p.addr)

	p.stop(t, syscall.SIGKILL)
	p = startServe(t, dir, rmFlags...)
	check("after SIGKILL", "http://"+p.addr)
	_, before := httpGetJSON(t, "http://"+p.addr+"/v1/errors", ana)

	if code, out, errs := runCLI(append([]string{"projections", "rebuild", "--data", dir}, rmFlags...)...); code != 0 {
		t.Fatalf("rebuild beside the server: %d %s %s", code, out, errs)
	}
	check("after rebuild", "http://"+p.addr)
	if _, after := httpGetJSON(t, "http://"+p.addr+"/v1/errors", ana); after != before {
		t.Fatalf("errors differ after rebuild:\n%s\n%s", before, after)
	}
	if rmURL != "" {
		if code := p.stop(t, syscall.SIGTERM); code != 0 {
			t.Fatalf("SIGTERM exit %d", code)
		}
		logs := p.logs.String()
		if pw := pgtest.Shared(t).Password(); strings.Contains(logs, pw) || !strings.Contains(logs, "read model open") {
			t.Fatalf("server log shows the password, or not which read model it opened:\n%s", logs)
		}
	}
}
