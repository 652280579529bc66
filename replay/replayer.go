package replay

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/linkup-chat/linkup/events"
)

// Replayer answers questions about the past from a store. It holds no
// state between calls; all methods are safe for concurrent use as far as
// the store is, and every iterator it returns stops when ctx is cancelled
// (yielding ctx's error once).
type Replayer struct {
	cfg     Config
	store   events.Store
	metrics *metrics
}

// New returns a Replayer over cfg.Store.
func New(cfg Config) (*Replayer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("replay: metrics: %w", err)
	}
	return &Replayer{cfg: cfg, store: cfg.Store, metrics: m}, nil
}

// readAll reads the log after position `after` (prefetched), counting
// what it reads.
func (r *Replayer) readAll(ctx context.Context, after uint64) iter.Seq2[events.RecordedEvent, error] {
	open := func(ctx context.Context) iter.Seq2[events.RecordedEvent, error] {
		return r.store.ReadAll(ctx, events.ReadAllOptions{After: after})
	}
	return func(yield func(events.RecordedEvent, error) bool) {
		for rec, err := range prefetch(ctx, open) {
			if err == nil {
				r.metrics.scanned.Inc()
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

// streamExists reports whether stream holds at least one event.
func (r *Replayer) streamExists(ctx context.Context, stream string) (bool, error) {
	for _, err := range r.store.ReadStream(ctx, stream, events.ReadStreamOptions{Limit: 1}) {
		if errors.Is(err, events.ErrStreamNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	return false, nil
}
