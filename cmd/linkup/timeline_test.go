package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// timelineFixture is a real embedded store with a small incident in it,
// behind the real query handler with the timeline backend.
type timelineFixture struct {
	dir     string
	store   *embedded.Store
	backend *timelineBackend
	srv     *httptest.Server
}

func newTimelineFixture(t *testing.T) *timelineFixture {
	t.Helper()
	dir := t.TempDir()
	st := writeIncidentLog(t, dir)
	qb, stop, err := startProjections(context.Background(), st, dir, "", slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	tb := newTimelineBackend(st, true, prometheus.NewRegistry())
	h, err := transport.NewQueryHandler(transport.QueryConfig{Backend: qb, Timeline: tb, Secret: querySecret})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); stop() })
	return &timelineFixture{dir: dir, store: st, backend: tb, srv: srv}
}

// writeIncidentLog: two users on three connections, a chat, messages,
// reads, errors (one naming the chat), a forced reconnect; one command
// (k1:7) that caused two events.
func writeIncidentLog(t *testing.T, dir string) *embedded.Store {
	st := writeReplayLog(t, dir) // k1 alice opened, c1 created, message, bob read (10:30:00-03)
	at := func(s int) time.Time { return replayT0.Add(time.Duration(s) * time.Second) }
	put := func(stream string, ev events.Event, corr string) {
		if _, err := st.Append(context.Background(), stream, events.Any(), events.MustEncode(ev, events.Metadata{CorrelationID: corr, CausationID: corr})); err != nil {
			t.Fatal(err)
		}
	}
	put(events.ConnectionStream("k2"), events.ConnectionOpened{ConnectionID: "k2", UserID: "bob", Node: "n1", At: at(4)}, "")
	put(events.ConnectionStream("k2"), events.ErrorRecorded{ErrorType: "invalid_json", Message: "bad", Severity: "low", User: "bob", ConnectionID: "k2", Context: map[string]any{}, At: at(5)}, "k2:2")
	put(events.ConnectionStream("k1"), events.ErrorRecorded{ErrorType: "not_member", Message: "no", Severity: "low", User: "alice", ConnectionID: "k1", Context: map[string]any{"chat_id": "c1"}, At: at(6)}, "k1:6")
	put(events.ChatStream("c1"), events.MessagePosted{ChatID: "c1", Seq: 2, MessageID: "m-2", Sender: "alice", Body: "<b>deploy</b>", ClientMsgID: "x2", SentAt: at(7)}, "k1:7")
	put(events.ChatStream("c1"), events.ChatRead{ChatID: "c1", User: "alice", LastReadSeq: 2, At: at(7)}, "k1:7")
	put(events.ConnectionStream("k2"), events.ForceReconnectIssued{ConnectionID: "k2", UserID: "bob", Reason: "admin", At: at(8)}, "")
	put(events.ConnectionStream("k2"), events.ConnectionClosed{ConnectionID: "k2", UserID: "bob", Reason: "forced", At: at(9)}, "")
	put(events.ConnectionStream("k3"), events.ConnectionOpened{ConnectionID: "k3", UserID: "bob", Node: "n1", At: at(10)}, "")
	return st
}

// get requests path with the analyst token and decodes the answer.
func (f *timelineFixture) get(t *testing.T, path, tok string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%s: %d %q is not JSON", path, resp.StatusCode, b)
	}
	return resp.StatusCode, body
}

// walk reads every page of /v1/timeline?query (limit per page) and returns
// the items as compact JSON, and the number of pages.
func (f *timelineFixture) walk(t *testing.T, query string, limit int) ([]string, int) {
	t.Helper()
	tok := analystToken(t, "analyst")
	var out []string
	cursor := ""
	for pages := 1; pages < 1000; pages++ {
		v, _ := url.ParseQuery(query)
		v.Set("limit", strconv.Itoa(limit))
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		code, body := f.get(t, "/v1/timeline?"+v.Encode(), tok)
		if code != 200 {
			t.Fatalf("%s: %d %v", v.Encode(), code, body)
		}
		for _, it := range body["items"].([]any) {
			b, _ := json.Marshal(it)
			out = append(out, string(b))
		}
		next, _ := body["next_cursor"].(string)
		if next == "" {
			return out, pages
		}
		if next == cursor {
			t.Fatalf("cursor %s does not advance", next)
		}
		cursor = next
	}
	t.Fatal("more than 1000 pages")
	return nil, 0
}

// cliLines runs `linkup replay timeline --format jsonl` with args and
// returns its objects as compact JSON.
func cliLines(t *testing.T, dir string, args ...string) []string {
	t.Helper()
	code, out, errs := runCLI(append([]string{"replay", "timeline", "--data", dir, "--format", "jsonl"}, args...)...)
	if code != 0 {
		t.Fatalf("replay %v: exit %d: %s", args, code, errs)
	}
	var lines []string
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		lines = append(lines, string(b))
	}
	return lines
}

// TestTimelineAPIMatchesReplayCLI: for each filter, every page of
// /v1/timeline put together is exactly what `linkup replay timeline
// --format jsonl` prints for the same filter: one rule, two doors.
func TestTimelineAPIMatchesReplayCLI(t *testing.T) {
	f := newTimelineFixture(t)
	cases := []struct {
		query string
		flags []string
		want  int
	}{
		{"", nil, 12},
		{"user=bob", []string{"--user", "bob"}, 7},
		{"chat=c1", []string{"--chat", "c1"}, 6},
		{"connection=k2", []string{"--connection", "k2"}, 4},
		{"correlation=k1:7", []string{"--correlation", "k1:7"}, 2},
		{"type=ErrorRecorded,ConnectionClosed", []string{"--type", "ErrorRecorded,ConnectionClosed"}, 3},
		{"user=alice&since=2025-03-04T10:30:02Z&until=2025-03-04T10:30:07Z", []string{"--user", "alice", "--since", "2025-03-04T10:30:02Z", "--until", "2025-03-04T10:30:07Z"}, 4},
		{"user=nobody", []string{"--user", "nobody"}, 0},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			want := cliLines(t, f.dir, c.flags...)
			if len(want) != c.want {
				t.Fatalf("the CLI printed %d events, the fixture expects %d", len(want), c.want)
			}
			for _, limit := range []int{1, 2, 100} {
				got, pages := f.walk(t, c.query, limit)
				if !slices.Equal(got, want) {
					t.Fatalf("limit %d: API\n%s\nCLI\n%s", limit, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if limit == 1 && len(want) > 1 && pages < len(want) {
					t.Fatalf("limit 1 gave %d pages for %d events", pages, len(want))
				}
			}
		})
	}
}

// TestTimelineScanBound: with a scan bound of 3 events per request, pages
// stop early with scan_limited and a cursor, and following the cursors
// still yields every match, once, in order.
func TestTimelineScanBound(t *testing.T) {
	f := newTimelineFixture(t)
	f.backend.maxScan = 3
	want := cliLines(t, f.dir, "--user", "bob")
	got, pages := f.walk(t, "user=bob", 100)
	if !slices.Equal(got, want) {
		t.Fatalf("bounded walk\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if pages < 4 {
		t.Fatalf("%d pages for a 12-event log scanned 3 at a time", pages)
	}
	_, body := f.get(t, "/v1/timeline?user=bob", analystToken(t, "analyst"))
	if body["scan_limited"] != true || body["next_cursor"] == nil {
		t.Fatalf("first page: %v", body)
	}
	var m dto.Metric
	if err := f.backend.limited.WithLabelValues("scan").Write(&m); err != nil || m.GetCounter().GetValue() < 4 {
		n := m.GetCounter().GetValue()
		t.Fatalf("linkup_timeline_limit_reached_total{limit=scan} = %v after %d bounded pages", n, pages)
	}
}

func TestTimelineAPIRefusals(t *testing.T) {
	f := newTimelineFixture(t)
	tok := analystToken(t, "analyst")
	for _, c := range []struct {
		path, tok   string
		code        int
		errCode, pm string
	}{
		{"/v1/timeline", "", 401, "unauthorized", ""},
		{"/v1/timeline", analystToken(t), 403, "forbidden", ""},
		{"/v1/timeline/chain?correlation=k1:7", analystToken(t, "admin"), 403, "forbidden", ""},
		{"/v1/timeline?type=Nope", tok, 400, "invalid_parameter", "type"},
		{"/v1/timeline?since=soon", tok, 400, "invalid_parameter", "since"},
		{"/v1/timeline?since=2999-01-01T00:00:00Z", tok, 400, "invalid_parameter", "since"},
		{"/v1/timeline?limit=0", tok, 400, "invalid_parameter", "limit"},
		{"/v1/timeline?cursor=-3", tok, 400, "invalid_parameter", "cursor"},
		{"/v1/timeline?chats=c1", tok, 400, "invalid_parameter", "chats"},
		{"/v1/timeline?chat=nope", tok, 404, "not_found", "chat"},
		{"/v1/timeline?connection=nope", tok, 404, "not_found", "connection"},
		{"/v1/timeline/chain", tok, 400, "invalid_parameter", "correlation"},
		{"/v1/timeline/chain?correlation=nope", tok, 404, "not_found", "correlation"},
		{"/v1/timeline/chain?position=999", tok, 404, "not_found", "position"},
	} {
		code, body := f.get(t, c.path, c.tok)
		e, _ := body["error"].(map[string]any)
		if code != c.code || e["code"] != c.errCode || (c.pm != "" && e["parameter"] != c.pm) {
			t.Errorf("%s: %d %v, want %d %s naming %q", c.path, code, body, c.code, c.errCode, c.pm)
		}
	}
}

// TestTimelineChain: /v1/timeline/chain is `linkup replay chain`: the
// command's events in store order with their depth.
func TestTimelineChain(t *testing.T) {
	f := newTimelineFixture(t)
	code, body := f.get(t, "/v1/timeline/chain?correlation=k1:7", analystToken(t, "analyst"))
	if code != 200 || body["root"] != "k1:7" || body["truncated"] != false {
		t.Fatalf("%d %v", code, body)
	}
	var types []string
	for _, it := range body["items"].([]any) {
		ev := it.(map[string]any)["event"].(map[string]any)
		types = append(types, ev["type"].(string))
	}
	if !slices.Equal(types, []string{events.TypeMessagePosted, events.TypeChatRead}) {
		t.Fatalf("chain types %v", types)
	}
	_, byPos := f.get(t, "/v1/timeline/chain?position=9", analystToken(t, "analyst"))
	if byPos["root"] != "k1:7" || len(byPos["items"].([]any)) != 2 {
		t.Fatalf("by position: %v", byPos)
	}
}

// BenchmarkTimelineAPI: one /v1/timeline page (the backend, without HTTP)
// on a 100,000-event embedded log (200 connections of 500 events, one user
// each, in connection order): the first page unfiltered, the first page of
// a user whose events start at position 75,001 (75,100 scanned), and a
// user the log never saw (the whole log scanned, within the scan bound).
//
//	go test ./cmd/linkup -run '^$' -bench TimelineAPI -benchtime 20x
func BenchmarkTimelineAPI(b *testing.B) {
	dir := b.TempDir()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	t0 := time.Now().Add(-time.Hour)
	for c := range 200 {
		id := "k" + strconv.Itoa(c)
		batch := make([]events.EventData, 500)
		for i := range batch {
			batch[i] = events.MustEncode(events.ErrorRecorded{ErrorType: "invalid_json", Message: "bad", Severity: "low",
				User: "u" + strconv.Itoa(c), ConnectionID: id, Context: map[string]any{}, At: t0.Add(time.Duration(c*500+i) * time.Millisecond)})
		}
		if _, err := st.Append(context.Background(), events.ConnectionStream(id), events.Any(), batch...); err != nil {
			b.Fatal(err)
		}
	}
	tb := newTimelineBackend(st, true, nil)
	for _, c := range []struct {
		name string
		q    protocol.TimelineQuery
	}{
		{"first_page", protocol.TimelineQuery{Limit: 100}},
		{"one_user", protocol.TimelineQuery{User: "u150", Limit: 100}},
		{"no_match", protocol.TimelineQuery{User: "nobody", Limit: 100}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := tb.Timeline(context.Background(), c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
