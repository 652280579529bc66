package cluster

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
)

// JSONRequest wraps v as JSON in the library's registered GrainRequest
// envelope, with method the type name the receiver switches on.
func JSONRequest(method string, v any) (*cluster.GrainRequest, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cluster: encode %s: %w", method, err)
	}
	return &cluster.GrainRequest{MessageTypeName: method, MessageData: b}, nil
}

// RespondJSON answers the current request of ctx with v as JSON in a
// GrainResponse, or with a GrainErrorResponse when v does not encode.
func RespondJSON(ctx actor.Context, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		ctx.Respond(&cluster.GrainErrorResponse{Reason: "encode", Message: err.Error()})
		return
	}
	ctx.Respond(&cluster.GrainResponse{MessageData: b})
}

// RespondError answers the current request of ctx with a coded error.
func RespondError(ctx actor.Context, reason, message string) {
	ctx.Respond(&cluster.GrainErrorResponse{Reason: reason, Message: message})
}

// ReasonMoved is the GrainErrorResponse reason of RespondMoved.
const ReasonMoved = "moved"

// RespondMoved answers the current request of ctx with "this activation
// is stale, the identity lives on another member" without handling it:
// Request then drops its cached PID and looks the owner up again (see
// ErrMoved). The grain should stop right after, so that the identity is
// active on its owner only.
func RespondMoved(ctx actor.Context) {
	ctx.Respond(&cluster.GrainErrorResponse{Reason: ReasonMoved, Message: "stale activation: the identity belongs to another member"})
}

// RequestJSON sends v as method (its JSON in a GrainRequest) to identity
// of kind through Request, with its timeout and retries, and decodes the
// reply into out.
func (m *Member) RequestJSON(ctx context.Context, identity, kind, method string, v, out any) error {
	return m.RequestJSONTries(ctx, m.cfg.RequestAttempts, identity, kind, method, v, out)
}

// RequestJSONTries is RequestJSON with at most tries attempts (see
// RequestTries).
func (m *Member) RequestJSONTries(ctx context.Context, tries int, identity, kind, method string, v, out any) error {
	req, err := JSONRequest(method, v)
	if err != nil {
		return err
	}
	res, err := m.RequestTries(ctx, tries, identity, kind, req)
	if err != nil {
		return err
	}
	r, ok := res.(*cluster.GrainResponse)
	if !ok {
		return fmt.Errorf("%w: %s/%s answered %T", ErrGrain, kind, identity, res)
	}
	if err := json.Unmarshal(r.MessageData, out); err != nil {
		return fmt.Errorf("%w: decode reply of %s/%s: %v", ErrGrain, kind, identity, err)
	}
	return nil
}
