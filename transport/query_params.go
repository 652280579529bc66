package transport

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// queryParamError is a bad query parameter: HTTP 400 with code
// invalid_parameter naming it (Status 404: not_found, a chat or
// connection the log does not hold).
type queryParamError struct {
	Parameter string
	Message   string
	Status    int
}

func (e *queryParamError) Error() string { return e.Parameter + ": " + e.Message }

func badQueryParam(name, format string, args ...any) *queryParamError {
	return &queryParamError{Parameter: name, Message: fmt.Sprintf(format, args...)}
}

// queryParams reads a request's query, refusing unknown and repeated names.
type queryParams struct {
	v   url.Values
	err *queryParamError
}

func newQueryParams(v url.Values, allowed ...string) *queryParams {
	p := &queryParams{v: v}
	for name, vals := range v {
		switch {
		case name != "token" && !slices.Contains(allowed, name):
			p.fail(badQueryParam(name, "unknown parameter (allowed: %v)", allowed))
		case len(vals) > 1:
			p.fail(badQueryParam(name, "given more than once"))
		}
	}
	return p
}

func (p *queryParams) fail(e *queryParamError) {
	if p.err == nil || e.Parameter < p.err.Parameter { // deterministic: first by name
		p.err = e
	}
}

func (p *queryParams) str(name string) string {
	s := p.v.Get(name)
	if len(s) > maxQueryParamLen {
		p.fail(badQueryParam(name, "longer than %d bytes", maxQueryParamLen))
		return ""
	}
	return s
}

func (p *queryParams) oneOf(name string, allowed ...string) string {
	s := p.str(name)
	if s != "" && !slices.Contains(allowed, s) {
		p.fail(badQueryParam(name, "must be one of %v", allowed))
	}
	return s
}

func (p *queryParams) time(name string) time.Time {
	s := p.v.Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(badQueryParam(name, "not an RFC3339 time (2026-11-25T10:00:00Z)"))
	}
	return t
}

func (p *queryParams) positive(name string) uint64 {
	s := p.v.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		p.fail(badQueryParam(name, "must be a positive integer"))
	}
	return n
}

func (p *queryParams) timeRange() (since, until time.Time) {
	since, until = p.time("since"), p.time("until")
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		p.fail(badQueryParam("until", "must be after since"))
	}
	return since, until
}

var querySeverities = []string{"low", "medium", "high", "critical"}

// parseErrorQuery reads /v1/errors' parameters; limit above protocol.MaxErrorLimit
// is capped.
func parseErrorQuery(v url.Values) (protocol.ErrorQuery, error) {
	p := newQueryParams(v, "error_type", "severity", "user", "connection_id", "since", "until", "limit", "cursor")
	q := protocol.ErrorQuery{
		ErrorType: p.str("error_type"), Severity: p.oneOf("severity", querySeverities...),
		User: p.str("user"), ConnectionID: p.str("connection_id"), Cursor: p.positive("cursor"),
	}
	q.Since, q.Until = p.timeRange()
	q.Limit = int(min(p.positive("limit"), protocol.MaxErrorLimit))
	if q.Limit == 0 {
		q.Limit = protocol.DefaultErrorLimit
	}
	return q, p.result()
}

// parseErrorCountQuery reads /v1/errors/hourly's parameters.
func parseErrorCountQuery(v url.Values) (protocol.ErrorCountQuery, error) {
	p := newQueryParams(v, "error_type", "since", "until")
	q := protocol.ErrorCountQuery{ErrorType: p.str("error_type")}
	q.Since, q.Until = p.timeRange()
	return q, p.result()
}

// parseReadStateQuery reads /v1/read-states' parameters: exactly one of
// user and chat.
func parseReadStateQuery(v url.Values) (protocol.ReadStateQuery, error) {
	p := newQueryParams(v, "user", "chat")
	q := protocol.ReadStateQuery{User: p.str("user"), Chat: p.str("chat")}
	switch {
	case q.User == "" && q.Chat == "":
		p.fail(badQueryParam("user", "one of user and chat is required"))
	case q.User != "" && q.Chat != "":
		p.fail(badQueryParam("chat", "give user or chat, not both"))
	}
	return q, p.result()
}

// parseTimelineQuery reads /v1/timeline's parameters, named as the flags of
// `linkup replay timeline`: type is a comma-separated list of known event
// types; limit above protocol.MaxTimelineLimit is capped.
func parseTimelineQuery(v url.Values) (protocol.TimelineQuery, error) {
	p := newQueryParams(v, "since", "until", "user", "chat", "connection", "correlation", "type", "limit", "cursor")
	q := protocol.TimelineQuery{User: p.str("user"), Chat: p.str("chat"), Connection: p.str("connection"),
		Correlation: p.str("correlation"), Types: p.eventTypes("type"), Cursor: p.cursor("cursor")}
	q.Since, q.Until = p.time("since"), p.time("until")
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		p.fail(badQueryParam("until", "must not be before since"))
	}
	q.Limit = int(min(p.positive("limit"), protocol.MaxTimelineLimit))
	if q.Limit == 0 {
		q.Limit = protocol.DefaultTimelineLimit
	}
	return q, p.result()
}

// parseChainQuery reads /v1/timeline/chain's parameters: exactly one of
// correlation, position and event.
func parseChainQuery(v url.Values) (protocol.ChainQuery, error) {
	p := newQueryParams(v, "correlation", "position", "event")
	q := protocol.ChainQuery{Correlation: p.str("correlation"), Position: p.positive("position"), EventID: p.str("event")}
	set := 0
	for _, ok := range []bool{q.Correlation != "", q.Position > 0, q.EventID != ""} {
		if ok {
			set++
		}
	}
	if set != 1 && p.err == nil {
		p.fail(badQueryParam("correlation", "give exactly one of correlation, position and event"))
	}
	return q, p.result()
}

// eventTypes reads a comma-separated list of known event types.
func (p *queryParams) eventTypes(name string) []string {
	s := p.str(name)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxTimelineTypes {
		p.fail(badQueryParam(name, "more than %d types", maxTimelineTypes))
		return nil
	}
	var out []string
	for _, t := range parts {
		t = strings.TrimSpace(t)
		if !events.Known(t) {
			p.fail(badQueryParam(name, "%q is not an event type (e.g. %s)", t, events.TypeErrorRecorded))
			return nil
		}
		out = append(out, t)
	}
	return out
}

// cursor reads a store position: a non-negative integer (0: the start).
func (p *queryParams) cursor(name string) uint64 {
	s := p.v.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		p.fail(badQueryParam(name, "must be a store position (a non-negative integer)"))
	}
	return n
}

func (p *queryParams) result() error {
	if p.err != nil {
		return p.err
	}
	return nil
}
