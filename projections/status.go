package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// Status is how far one projection has got: its checkpoint, the log's
// head, the lag between them in events and as the age of the oldest event
// not yet projected, when it last committed (nil: never) and how many
// poison events it skipped. It is the item GET /v1/projections answers,
// declared once in package protocol.
type Status = protocol.ProjectionStatus

// Statuses reads every projection's status from the read model and the
// store. It does not need a running Runner (linkup projections status).
func Statuses(ctx context.Context, store events.Store, rm ReadModel) ([]Status, error) {
	cps, err := rm.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	head, err := store.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("projections: status: head: %w", err)
	}
	out := make([]Status, 0, len(cps))
	for _, c := range cps {
		st := Status{Name: c.Name, Checkpoint: c.Position, Head: head, Poisoned: c.Poisoned}
		if !c.UpdatedAt.IsZero() {
			at := c.UpdatedAt
			st.UpdatedAt = &at
		}
		if head > c.Position {
			st.LagEvents = head - c.Position
			if st.LagSeconds, err = oldestAge(ctx, store, c.Position); err != nil {
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// oldestAge is the age of the first event after position after (0 if none).
func oldestAge(ctx context.Context, store events.Store, after uint64) (float64, error) {
	for rec, err := range store.ReadAll(ctx, events.ReadAllOptions{After: after, Limit: 1}) {
		if err != nil {
			return 0, fmt.Errorf("projections: status: read after %d: %w", after, err)
		}
		return max(time.Since(rec.Time).Seconds(), 0), nil
	}
	return 0, nil
}

// Status returns every projection's status and refreshes the lag metrics.
func (r *Runner) Status(ctx context.Context) ([]Status, error) {
	sts, err := Statuses(ctx, r.cfg.Store, r.cfg.ReadModel)
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		r.m.head.Set(float64(st.Head))
		r.m.checkpoint.WithLabelValues(st.Name).Set(float64(st.Checkpoint))
		r.m.lagEvents.WithLabelValues(st.Name).Set(float64(st.LagEvents))
		r.m.lagSeconds.WithLabelValues(st.Name).Set(st.LagSeconds)
	}
	return sts, nil
}

// sampleLag refreshes the lag metrics every LagInterval until ctx ends.
func (r *Runner) sampleLag(ctx context.Context) {
	t := time.NewTicker(r.cfg.LagInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := r.Status(ctx); err != nil && ctx.Err() == nil {
				r.cfg.Logger.Warn("projection lag sample failed", "err", err)
			}
		}
	}
}
