package transport

import (
	"context"
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
