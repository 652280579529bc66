package projections

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// RebuildConfig configures Rebuild. Store, ReadModel and Projection are
// required; BatchSize bounds the events per transaction (default 5000).
type RebuildConfig struct {
	Store      events.Store
	ReadModel  ReadModel
	Projection Projection
	BatchSize  int
	Logger     *slog.Logger
}

// Validate reports missing parts.
func (c RebuildConfig) Validate() error {
	if c.Store == nil || c.ReadModel == nil || c.Projection == nil {
		return fmt.Errorf("%w: rebuild needs Store, ReadModel and Projection", ErrInvalidConfig)
	}
	if c.BatchSize < 0 {
		return fmt.Errorf("%w: negative BatchSize", ErrInvalidConfig)
	}
	return nil
}

// RebuildResult tells what a rebuild did.
type RebuildResult struct {
	Events   uint64 // events of the projection's types read from the log
	Position uint64 // checkpoint swapped in
	Poisoned int
	Duration time.Duration
}

// Rebuild projects the whole log from position zero into a fresh table set
// and swaps it in. Queries keep answering from the old tables meanwhile,
// and a Runner (in this process or another) keeps going: it skips what the
// swapped-in checkpoint already covers. On error the fresh set is dropped
// and the live tables are untouched.
func Rebuild(ctx context.Context, cfg RebuildConfig) (RebuildResult, error) {
	if err := cfg.Validate(); err != nil {
		return RebuildResult{}, err
	}
	cfg.BatchSize = orDefault(cfg.BatchSize, 5000)
	start := time.Now()
	name := cfg.Projection.Name()
	set, err := cfg.ReadModel.PrepareRebuild(ctx, name)
	if err != nil {
		return RebuildResult{}, err
	}
	rb := &rebuilder{cfg: cfg, set: set}
	if err := rb.run(ctx); err != nil {
		_ = cfg.ReadModel.DropRebuild(context.WithoutCancel(ctx), name, set)
		return RebuildResult{}, fmt.Errorf("projections: rebuild %s: %w", name, err)
	}
	rb.res.Duration = time.Since(start)
	return rb.res, nil
}

type rebuilder struct {
	cfg RebuildConfig
	set string
	res RebuildResult
}

func (rb *rebuilder) run(ctx context.Context) error {
	name := rb.cfg.Projection.Name()
	for {
		n, err := rb.batch(ctx)
		if err != nil {
			return err
		}
		if n < rb.cfg.BatchSize {
			break
		}
	}
	return rb.cfg.ReadModel.Swap(ctx, name, rb.set, func(tx Tx, live uint64) error {
		return rb.catchUp(ctx, tx, live)
	})
}

// batch projects up to BatchSize events after the set's checkpoint in one
// transaction and returns how many it read.
func (rb *rebuilder) batch(ctx context.Context) (int, error) {
	tx, err := rb.cfg.ReadModel.Begin(ctx, rb.cfg.Projection.Name(), rb.set)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	cp, err := tx.Checkpoint()
	if err != nil {
		return 0, err
	}
	n, err := rb.apply(ctx, tx, cp, rb.cfg.BatchSize)
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// apply projects up to limit events after position after through tx and
// moves its checkpoint. It asks the store for the projection's event types
// only; when fewer than limit come back, every event up to the head read
// beforehand has been examined, so the checkpoint moves to that head.
func (rb *rebuilder) apply(ctx context.Context, tx Tx, after uint64, limit int) (int, error) {
	head, err := rb.cfg.Store.Head(ctx)
	if err != nil {
		return 0, err
	}
	opts := events.ReadAllOptions{After: after, Limit: limit, Filter: events.Filter{EventTypes: rb.cfg.Projection.EventTypes()}}
	n, last := 0, after
	for rec, err := range rb.cfg.Store.ReadAll(ctx, opts) {
		if err != nil {
			return 0, err
		}
		if err := rb.applyOne(tx, rec); err != nil {
			return 0, err
		}
		n, last = n+1, rec.Position
	}
	if n < limit {
		last = max(last, head)
	}
	rb.res.Events += uint64(n)
	rb.res.Position = last
	if last > after {
		return n, tx.SetCheckpoint(last)
	}
	return n, nil
}

func (rb *rebuilder) applyOne(tx Tx, rec events.RecordedEvent) error {
	poisoned, err := applyEvent(tx, rb.cfg.Projection, rec)
	if poisoned {
		rb.res.Poisoned++
		return nil
	}
	return err
}

// catchUp runs inside the swap's transaction: it projects what was
// appended since the last batch, up to the head as now known and at least
// to the live checkpoint, so the swapped-in rows are never behind.
func (rb *rebuilder) catchUp(ctx context.Context, tx Tx, live uint64) error {
	cp, err := tx.Checkpoint()
	if err != nil {
		return err
	}
	rb.res.Position = cp
	head, err := rb.cfg.Store.Head(ctx)
	if err != nil {
		return err
	}
	for target := max(head, live); rb.res.Position < target; {
		n, err := rb.apply(ctx, tx, rb.res.Position, rb.cfg.BatchSize)
		if err != nil {
			return err
		}
		if n < rb.cfg.BatchSize {
			break
		}
	}
	return nil
}
