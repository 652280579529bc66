package transport

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// QueryBackend answers the analyst query API (PROTOCOL.md section 6) from
// the projections' read model. cmd/linkup adapts the projections package to
// it; transport never imports projections.
//
// Contract: methods are safe for concurrent use, read only committed
// projection state (never the live actors), honour ctx cancellation, and
// cap what they return (ErrorQuery.Limit, MaxErrorLimit). An error is
// reported to the client as 500 "internal" and logged.
type QueryBackend interface {
	Errors(ctx context.Context, q ErrorQuery) (ErrorPage, error)
	ErrorCounts(ctx context.Context, q ErrorCountQuery) ([]ErrorCount, error)
	ReadStates(ctx context.Context, q ReadStateQuery) ([]ReadState, error)
	Projections(ctx context.Context) ([]ProjectionStatus, error)
}

// ErrorQuery filters the error log; empty fields match everything. Since
// is inclusive, Until exclusive. Cursor (0: first page) selects entries
// older than the one it names.
type ErrorQuery struct {
	ErrorType    string
	Severity     string
	User         string
	ConnectionID string
	Since, Until time.Time
	Cursor       uint64
	Limit        int
}

// ErrorItem is one ErrorRecorded as the API shows it; ID is the event's
// global position.
type ErrorItem struct {
	ID           string         `json:"id"`
	ErrorType    string         `json:"error_type"`
	Message      string         `json:"message"`
	Severity     string         `json:"severity"`
	User         string         `json:"user,omitempty"`
	ConnectionID string         `json:"connection_id,omitempty"`
	Context      map[string]any `json:"context"`
	At           time.Time      `json:"at"`
}

// ErrorPage is one page, newest first; Next is the cursor of the next page
// (0 at the end).
type ErrorPage struct {
	Items []ErrorItem
	Next  uint64
}

// ErrorCountQuery selects the hourly counts (extension: /v1/errors/hourly).
type ErrorCountQuery struct {
	ErrorType    string
	Since, Until time.Time
}

// ErrorCount is the number of errors of one type in one hour.
type ErrorCount struct {
	Hour      time.Time `json:"hour"`
	ErrorType string    `json:"error_type"`
	Count     int64     `json:"count"`
}

// ReadStateQuery selects by user or by chat: exactly one is set.
type ReadStateQuery struct {
	User, Chat string
}

// ReadState is one member's read position in one chat.
type ReadState struct {
	User        string `json:"user"`
	ChatID      string `json:"chat_id"`
	LastReadSeq uint64 `json:"last_read_seq"`
	LatestSeq   uint64 `json:"latest_seq"`
	Unread      uint64 `json:"unread"`
}

// ProjectionStatus is how far one projection has got. UpdatedAt is nil
// before its first commit.
type ProjectionStatus struct {
	Name       string     `json:"name"`
	Checkpoint uint64     `json:"checkpoint"`
	Head       uint64     `json:"head"`
	LagEvents  uint64     `json:"lag_events"`
	LagSeconds float64    `json:"lag_seconds"`
	UpdatedAt  *time.Time `json:"updated_at"`
	Poisoned   int64      `json:"poisoned"`
}

// Query API limits: a larger limit is capped, not refused.
const (
	DefaultErrorLimit = 100
	MaxErrorLimit     = 1000
	maxQueryParamLen  = 256
)

// TimelineBackend answers GET /v1/timeline and /v1/timeline/chain (the
// incident view) from the event log, through the replay package's filters
// and formats, so the API and `linkup replay` never disagree. cmd/linkup
// adapts replay to it; transport never imports replay.
//
// Contract: methods are safe for concurrent use, only read the store,
// honour ctx cancellation, and bound their work: at most q.Limit items
// and a bounded number of events scanned per call. An error made with
// InvalidParameter or UnknownParameter is answered 400 or 404 naming the
// parameter; any other error is 500 "internal" (503 on timeout) and logged.
type TimelineBackend interface {
	Timeline(ctx context.Context, q TimelineQuery) (TimelinePage, error)
	Chain(ctx context.Context, q ChainQuery) (ChainPage, error)
}

// TimelineQuery holds the filters of `linkup replay timeline`; empty
// fields match everything, set fields must all match. Since and Until are
// both inclusive (as in replay). Cursor (0: the start of the log) selects
// events after that store position.
type TimelineQuery struct {
	Since, Until time.Time
	User         string
	Chat         string
	Connection   string
	Correlation  string
	Types        []string
	Cursor       uint64
	Limit        int
}

// TimelinePage is one page in store order. Items are the objects of
// `linkup replay timeline --format jsonl` (position, at, stream, type,
// data, id, revision, metadata, stored_at). Next is the cursor of the
// next page (0 at the end): the last item's position, or, when the page
// stopped at the scan bound, the last position scanned (the page may then
// hold fewer than Limit items, even none).
type TimelinePage struct {
	Items       []json.RawMessage
	Next        uint64
	ScanLimited bool
}

// ChainQuery names where a chain starts, as `linkup replay chain` does:
// exactly one of an event id, a store position, a correlation id.
type ChainQuery struct {
	EventID     string
	Position    uint64
	Correlation string
}

// ChainPage is a client command and every event it caused, in store
// order, each with its depth in the causation tree.
type ChainPage struct {
	Root      string      `json:"root"`
	Items     []ChainItem `json:"items"`
	Truncated bool        `json:"truncated"`
}

// ChainItem is one event of a chain: its depth and the JSONL object.
type ChainItem struct {
	Depth int             `json:"depth"`
	Event json.RawMessage `json:"event"`
}

// Timeline API limits: a larger limit is capped, not refused.
const (
	DefaultTimelineLimit = 100
	MaxTimelineLimit     = 1000
	maxTimelineTypes     = 32
)

// InvalidParameter returns an error that the query API answers with 400
// invalid_parameter naming the parameter, for a backend that finds a
// parameter wrong only once it looks at the data.
func InvalidParameter(name, message string) error {
	return &queryParamError{Parameter: name, Message: message}
}

// UnknownParameter returns an error that the query API answers with 404
// not_found naming the parameter: a chat or connection the log never saw.
func UnknownParameter(name, message string) error {
	return &queryParamError{Parameter: name, Message: message, Status: http.StatusNotFound}
}
