package transport

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/protocol"
)

// The HTTP behaviour of the query API (auth, filters, paging, JSON shape)
// is tested end to end against the real SQLite read model in
// cmd/linkup/readmodel_test.go. Here: the parameter rules, one by one.

func TestParseErrorQueryRefusesBadParameters(t *testing.T) {
	cases := []struct {
		query, param string
	}{
		{"since=yesterday", "since"},
		{"until=2026-13-01T00:00:00Z", "until"},
		{"since=2026-11-25T10:00:00Z&until=2026-11-25T09:00:00Z", "until"},
		{"limit=0", "limit"},
		{"limit=-5", "limit"},
		{"limit=ten", "limit"},
		{"cursor=abc", "cursor"},
		{"severity=fatal", "severity"},
		{"user=a&user=b", "user"},
		{"errortype=x", "errortype"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			v, _ := url.ParseQuery(c.query)
			_, err := parseErrorQuery(v)
			var pe *queryParamError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a parameter error", err)
			}
			if pe.Parameter != c.param {
				t.Fatalf("parameter = %q, want %q (%s)", pe.Parameter, c.param, pe.Message)
			}
		})
	}
}

func TestParseErrorQueryAcceptsAndCaps(t *testing.T) {
	v, _ := url.ParseQuery("error_type=invalid_payload&severity=high&user=bob&connection_id=c1" +
		"&since=2026-11-25T10:00:00Z&until=2026-11-25T11:00:00.5Z&limit=5000&cursor=42&token=x")
	q, err := parseErrorQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	want := protocol.ErrorQuery{ErrorType: "invalid_payload", Severity: "high", User: "bob", ConnectionID: "c1",
		Since: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 25, 11, 0, 0, 5e8, time.UTC),
		Cursor: 42, Limit: protocol.MaxErrorLimit}
	if !q.Since.Equal(want.Since) || !q.Until.Equal(want.Until) {
		t.Fatalf("range = %v..%v", q.Since, q.Until)
	}
	q.Since, q.Until, want.Since, want.Until = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if q != want {
		t.Fatalf("got %+v, want %+v", q, want)
	}
	if q, _ := parseErrorQuery(url.Values{}); q.Limit != protocol.DefaultErrorLimit {
		t.Fatalf("default limit = %d", q.Limit)
	}
}

func TestParseReadStateQueryNeedsExactlyOne(t *testing.T) {
	for query, wantErr := range map[string]bool{"user=bob": false, "chat=c1": false, "": true, "user=bob&chat=c1": true, "user=": true} {
		v, _ := url.ParseQuery(query)
		_, err := parseReadStateQuery(v)
		if (err != nil) != wantErr {
			t.Errorf("%q: err = %v, want error %v", query, err, wantErr)
		}
	}
}

func TestRequestTokenTakesFirstWellFormedBearer(t *testing.T) {
	r, _ := http.NewRequest("GET", "/v1/errors?token=fromquery", nil)
	r.Header.Add("Authorization", "Basic xyz, Bearer  ")
	r.Header.Add("Authorization", "Bearer tok1, Bearer tok2")
	if got := requestToken(r); got != "tok1" {
		t.Fatalf("token = %q, want tok1", got)
	}
	r.Header.Del("Authorization")
	if got := requestToken(r); got != "fromquery" {
		t.Fatalf("token = %q, want fromquery", got)
	}
}

func TestNewQueryHandlerValidates(t *testing.T) {
	if _, err := NewQueryHandler(QueryConfig{Secret: []byte("s")}); err == nil {
		t.Fatal("handler without backend accepted")
	}
}

func TestParseTimelineQueryRefusesBadParameters(t *testing.T) {
	cases := []struct {
		query, param string
	}{
		{"since=yesterday", "since"},
		{"until=2026-13-01T00:00:00Z", "until"},
		{"since=2026-11-25T10:00:00Z&until=2026-11-25T09:00:00Z", "until"},
		{"type=Nope", "type"},
		{"type=ErrorRecorded,,MessagePosted", "type"},
		{"limit=0", "limit"},
		{"limit=x", "limit"},
		{"cursor=-1", "cursor"},
		{"cursor=1e3", "cursor"},
		{"user=a&user=b", "user"},
		{"connection_id=c", "connection_id"},
		{"chat=" + strings.Repeat("c", 300), "chat"},
	}
	for _, c := range cases {
		t.Run(c.query[:min(len(c.query), 40)], func(t *testing.T) {
			v, _ := url.ParseQuery(c.query)
			_, err := parseTimelineQuery(v)
			var pe *queryParamError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a parameter error", err)
			}
			if pe.Parameter != c.param {
				t.Fatalf("parameter = %q, want %q (%s)", pe.Parameter, c.param, pe.Message)
			}
		})
	}
}

func TestParseTimelineQueryAcceptsAndCaps(t *testing.T) {
	v, _ := url.ParseQuery("since=2026-11-25T10:00:00Z&until=2026-11-25T10:00:00Z&user=bob&chat=c1&connection=k1" +
		"&correlation=k1:3&type=ErrorRecorded,%20MessagePosted&limit=5000&cursor=0&token=x")
	q, err := parseTimelineQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	if q.User != "bob" || q.Chat != "c1" || q.Connection != "k1" || q.Correlation != "k1:3" || q.Cursor != 0 ||
		q.Limit != protocol.MaxTimelineLimit || len(q.Types) != 2 || q.Types[1] != "MessagePosted" || !q.Since.Equal(q.Until) {
		t.Fatalf("got %+v", q)
	}
	if q, _ := parseTimelineQuery(url.Values{}); q.Limit != protocol.DefaultTimelineLimit {
		t.Fatalf("default limit %d", q.Limit)
	}
}

func TestParseChainQueryNeedsExactlyOneStart(t *testing.T) {
	for query, ok := range map[string]bool{
		"correlation=k:1": true, "position=7": true, "event=abc": true,
		"": false, "correlation=k:1&position=7": false, "position=0": false, "position=x": false, "at=1": false,
	} {
		v, _ := url.ParseQuery(query)
		_, err := parseChainQuery(v)
		if (err == nil) != ok {
			t.Errorf("%q: err = %v, want ok=%v", query, err, ok)
		}
	}
}
