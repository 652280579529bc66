package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/linkup-chat/linkup/events"
)

var errSubscriptionEnded = errors.New("projections: subscription ended")

// follow subscribes after p's checkpoint and commits batches until the
// subscription or a commit fails. Transactions are paced (see collect):
// each may start only BatchDelay after the previous one ended.
func (r *Runner) follow(ctx context.Context, p Projection) error {
	cp, err := r.cfg.ReadModel.Checkpoint(ctx, p.Name())
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q := newDeliveryQueue(r.cfg.QueueSize)
	go r.pump(sctx, cp, q)
	var next time.Time // the first batch commits at once
	for {
		batch, over, err := r.collect(ctx, p.Name(), q, next)
		if len(batch) > 0 {
			paced := !over && r.caughtUp(p.Name())
			if cerr := r.commit(ctx, p, batch, paced); cerr != nil {
				return cerr
			}
			next = time.Now().Add(r.cfg.BatchDelay)
		}
		if err != nil {
			return err
		}
	}
}

// pump moves the subscription's deliveries into q (bounded: it waits when
// q is full) and ends q when the subscription ends.
func (r *Runner) pump(ctx context.Context, after uint64, q *deliveryQueue) {
	for d, err := range r.cfg.Store.Subscribe(ctx, events.SubscribeOptions{After: after}) {
		if err != nil {
			q.end(err)
			return
		}
		if q.put(ctx, d) != nil {
			q.end(ctx.Err())
			return
		}
	}
	q.end(nil)
}

// collect waits for one delivery, then gathers more until the batch is
// full or the pace allows a commit (at next): one event alone after a
// quiet spell, everything that came meanwhile when the log is busy. A full
// batch still waits for next unless the projection is past a lag bound
// (overBound); over reports such a batch, which then commits at once.
func (r *Runner) collect(ctx context.Context, name string, q *deliveryQueue, next time.Time) (batch []events.Delivery, over bool, err error) {
	defer func() { r.m.queueDepth.WithLabelValues(name).Set(float64(q.len())) }()
	for len(batch) == 0 {
		if batch, err = q.take(batch, r.cfg.BatchSize, 1); err != nil || len(batch) > 0 {
			if err != nil {
				return batch, false, err
			}
			break
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-q.ready:
		}
	}
	pace := time.NewTimer(time.Until(next))
	defer pace.Stop()
	for {
		rest := r.cfg.BatchSize - len(batch)
		if batch, err = q.take(batch, rest, rest); err != nil {
			return batch, false, err
		}
		if len(batch) >= r.cfg.BatchSize {
			break
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-q.ready:
		case <-pace.C:
			batch, err = q.take(batch, r.cfg.BatchSize-len(batch), 0)
			return batch, false, err
		}
	}
	if over, err = r.yield(ctx, name, batch, pace.C); err != nil {
		return nil, false, err
	}
	return batch, over, nil
}

// boundCheck is how often a full batch waiting for its pace looks at the
// lag bounds again (the head moves on meanwhile).
const boundCheck = 100 * time.Millisecond

// yield holds a full batch until the pace allows its commit, or until the
// projection is past a lag bound (over).
func (r *Runner) yield(ctx context.Context, name string, batch []events.Delivery, pace <-chan time.Time) (over bool, err error) {
	check := time.NewTicker(boundCheck)
	defer check.Stop()
	for !r.overBound(ctx, name, batch) {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-pace:
			return false, nil
		case <-check.C:
		}
	}
	return true, nil
}

// overBound reports whether the projection, about to commit batch, is
// further behind than MaxLag (the age of the batch's first event) or
// MaxLagEvents (the head's distance from it); it then commits without
// pacing, and the batch is counted.
func (r *Runner) overBound(ctx context.Context, name string, batch []events.Delivery) bool {
	first := batch[0]
	for _, d := range batch {
		if d.Event != nil {
			first = d
			break
		}
	}
	over := first.Event != nil && time.Since(first.Event.Time) >= r.cfg.MaxLag
	if !over {
		head, err := r.cfg.Store.Head(ctx)
		over = err == nil && head > first.Position && head-first.Position >= uint64(r.cfg.MaxLagEvents)
	}
	if over {
		r.m.overBound.WithLabelValues(name).Inc()
	}
	return over
}

func orEnded(err error) error {
	if err != nil {
		return err
	}
	return errSubscriptionEnded
}

// commit applies a batch and the new checkpoint in one transaction.
// Deliveries at or below the committed checkpoint are skipped, so a batch
// replayed after a crash, or after a rebuild swapped in a later checkpoint,
// changes nothing. A paced batch (caught up, within the lag bounds) rests
// between slices of its apply (runner_yield.go); any batch yields.
func (r *Runner) commit(ctx context.Context, p Projection, batch []events.Delivery, paced bool) error {
	tx, err := r.cfg.ReadModel.Begin(ctx, p.Name(), "")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	cp, err := tx.Checkpoint()
	if err != nil {
		return err
	}
	last, n, err := r.applyDeliveries(tx, p, cp, batch, r.yielder(paced))
	if err != nil {
		return err
	}
	if last > cp {
		if err := tx.SetCheckpoint(last); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("projections: commit %s: %w", p.Name(), err)
	}
	r.observe(p.Name(), batch, last, n)
	return nil
}

// yielder slices one batch's apply; only a paced batch rests.
func (r *Runner) yielder(paced bool) *cpuYielder {
	var rest time.Duration
	if paced {
		rest = applyRest
	}
	return newCPUYielder(applyYieldEvery, orDefault(r.slice, applySlice), rest, r.gosched, r.rest)
}

// applyDeliveries applies the batch's deliveries after cp, ticking y once
// per handled event so that the live path runs between slices of a long
// batch.
func (r *Runner) applyDeliveries(tx Tx, p Projection, cp uint64, batch []events.Delivery, y *cpuYielder) (last uint64, n int, err error) {
	last = cp
	for _, d := range batch {
		if d.CaughtUp {
			r.setCaughtUp(p.Name())
		}
		if d.Position <= last {
			continue
		}
		if d.Event != nil {
			if err := r.applyOne(tx, p, *d.Event); err != nil {
				return 0, 0, err
			}
			n++
			if p.Handles(d.Event.Type) {
				y.tick()
			}
		}
		last = d.Position
	}
	return last, n, nil
}

// applyOne applies rec if p handles it; a poison event is recorded and
// skipped (the policy in doc.go), any other error is returned.
func (r *Runner) applyOne(tx Tx, p Projection, rec events.RecordedEvent) error {
	poisoned, err := applyEvent(tx, p, rec)
	if poisoned {
		r.m.poisoned.WithLabelValues(p.Name()).Inc()
		r.cfg.Logger.Warn("projection skipped a poison event", "projection", p.Name(), "position", rec.Position, "type", rec.Type, "reason", err)
		return nil
	}
	return err
}

// applyEvent is the one place where the poison policy lives, shared by the
// runner and Rebuild: record it and go on.
func applyEvent(tx Tx, p Projection, rec events.RecordedEvent) (poisoned bool, err error) {
	if !p.Handles(rec.Type) {
		return false, nil
	}
	err = p.Apply(tx, rec)
	if err == nil || !errors.Is(err, ErrPoison) {
		return false, err
	}
	perr := tx.RecordPoison(Poison{Position: rec.Position, Stream: rec.Stream, EventType: rec.Type, Reason: err.Error()})
	if perr != nil {
		return false, perr
	}
	return true, err
}

// observe updates metrics after a commit; event lag is observed only once
// the projection has caught up, so catch-up does not swamp the histogram.
func (r *Runner) observe(name string, batch []events.Delivery, last uint64, n int) {
	r.m.checkpoint.WithLabelValues(name).Set(float64(last))
	r.m.applied.WithLabelValues(name).Add(float64(n))
	r.m.batchSize.WithLabelValues(name).Observe(float64(len(batch)))
	if !r.caughtUp(name) {
		return
	}
	now := time.Now()
	h := r.m.eventLag.WithLabelValues(name)
	for _, d := range batch {
		if d.Event != nil {
			h.Observe(now.Sub(d.Event.Time).Seconds())
		}
	}
}
