package transport

import (
	"context"
	"net/http"

	"github.com/linkup-chat/linkup/protocol"
)

// QueryBackend answers the analyst query API (PROTOCOL.md section 6) from
// the projections' read model, in the wire's own types (package protocol:
// parameters and answers). cmd/linkup hands it the projections' read
// model; transport never imports projections.
//
// Contract: methods are safe for concurrent use, read only committed
// projection state (never the live actors), honour ctx cancellation, and
// cap what they return (ErrorQuery.Limit, protocol.MaxErrorLimit). An
// error is reported to the client as 500 "internal" and logged.
type QueryBackend interface {
	Errors(ctx context.Context, q protocol.ErrorQuery) (protocol.ErrorPage, error)
	ErrorCounts(ctx context.Context, q protocol.ErrorCountQuery) ([]protocol.ErrorCount, error)
	ReadStates(ctx context.Context, q protocol.ReadStateQuery) ([]protocol.ReadState, error)
	Projections(ctx context.Context) ([]protocol.ProjectionStatus, error)
}

// Query parameter limits.
const (
	maxQueryParamLen = 256
	maxTimelineTypes = 32
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
	Timeline(ctx context.Context, q protocol.TimelineQuery) (protocol.TimelinePage, error)
	Chain(ctx context.Context, q protocol.ChainQuery) (protocol.ChainPage, error)
}

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
