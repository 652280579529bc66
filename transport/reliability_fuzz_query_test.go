package transport

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/protocol"
)

// FuzzQueryParams: any raw query string parses, for each query endpoint,
// to either a valid query or a *queryParamError naming a parameter; never a
// panic. A valid error query has 1 <= Limit <= protocol.MaxErrorLimit, a known or
// empty severity, no string longer than maxQueryParamLen, and until after
// since; a valid read-state query names exactly one of user and chat.
// Run as a test on the seeds; explore with
//
//	go test ./transport -run '^$' -fuzz FuzzQueryParams -fuzztime 30s
func FuzzQueryParams(f *testing.F) {
	for _, seed := range []string{
		"", "limit=5", "limit=0", "limit=-1", "limit=99999999999999999999999", "limit=1&limit=2",
		"severity=high", "severity=HIGH", "since=2026-11-25T10:00:00Z&until=2026-11-25T09:00:00Z",
		"since=2026-11-25T10:00:00.123456789%2B02:00", "cursor=18446744073709551615", "cursor=18446744073709551616",
		"user=alice", "chat=c1", "user=a&chat=b", "token=abc&user=x", "bogus=1", "user=" + strings.Repeat("u", 300),
		"%zz", "a=%00&user=%ff%fe", ";;;&&&==", "error_type=unavailable&connection_id=x&limit=1000",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // net/http answers 400 before the handler
		}
		_, emptyName := v[""]
		eq, err := parseErrorQuery(v)
		checkParamErr(t, err, emptyName)
		if err == nil {
			checkErrorQuery(t, eq)
		}
		cq, err := parseErrorCountQuery(v)
		checkParamErr(t, err, emptyName)
		if err == nil && !cq.Since.IsZero() && !cq.Until.IsZero() && !cq.Until.After(cq.Since) {
			t.Fatalf("accepted until %v not after since %v", cq.Until, cq.Since)
		}
		rq, err := parseReadStateQuery(v)
		checkParamErr(t, err, emptyName)
		if err == nil && (rq.User == "") == (rq.Chat == "") {
			t.Fatalf("accepted read-state query %+v: want exactly one of user and chat", rq)
		}
	})
}

// checkParamErr: err is nil or names its parameter (which may be empty
// only when the query has a parameter with an empty name, "=x").
func checkParamErr(t *testing.T, err error, emptyName bool) {
	t.Helper()
	var pe *queryParamError
	if err != nil && (!errors.As(err, &pe) || (pe.Parameter == "" && !emptyName) || pe.Message == "") {
		t.Fatalf("error %v (%T) does not name a parameter", err, err)
	}
}

func checkErrorQuery(t *testing.T, q protocol.ErrorQuery) {
	t.Helper()
	if q.Limit < 1 || q.Limit > protocol.MaxErrorLimit {
		t.Fatalf("accepted limit %d", q.Limit)
	}
	if q.Severity != "" && !strings.Contains(" low medium high critical ", " "+q.Severity+" ") {
		t.Fatalf("accepted severity %q", q.Severity)
	}
	for _, s := range []string{q.ErrorType, q.User, q.ConnectionID} {
		if len(s) > maxQueryParamLen {
			t.Fatalf("accepted a %d-byte parameter", len(s))
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		t.Fatalf("accepted until %v not after since %v", q.Until, q.Since)
	}
}
