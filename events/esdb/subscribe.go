package esdb

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/linkup-chat/linkup/events"
)

// Subscribe yields every non-system event after opts.After (or after the
// current end with FromEnd) that matches opts.Filter, then one caught-up
// mark, then live events. It catches up by reading $all page by page (so
// the caught-up mark does not depend on the server version), then
// subscribes to $all from the last examined position with a server-side
// filter. When a read or the subscription fails (server restart, network
// error), it waits ResubscribeBackoff (doubling up to
// MaxResubscribeBackoff) and resumes from the last examined position: no
// gap, no duplicate. It ends when ctx ends (yielding ctx.Err()), on Close
// (yielding events.ErrClosed) or when the consumer stops. Events pass from
// the gRPC stream to the consumer one at a time: a slow consumer holds
// back only its own stream, by gRPC flow control.
func (s *Store) Subscribe(ctx context.Context, opts events.SubscribeOptions) iter.Seq2[events.Delivery, error] {
	return func(yield func(events.Delivery, error) bool) {
		ctx, cancel := s.opContext(ctx)
		defer cancel()
		s.metrics.subscribers.Inc()
		defer s.metrics.subscribers.Dec()
		sub := &subscription{s: s, filter: opts.Filter, fromEnd: opts.FromEnd, last: after(opts.After),
			yield: yield, backoff: s.cfg.ResubscribeBackoff}
		sub.run(ctx)
	}
}

// subscription is the state of one Subscribe iterator.
type subscription struct {
	s       *Store
	filter  events.Filter
	fromEnd bool
	// last is the position of the last event examined (delivered or
	// filtered out); everything at or before it has been dealt with.
	last     esdb.Position
	caughtUp bool
	progress bool // an item was yielded since the last failure
	backoff  time.Duration
	yield    func(events.Delivery, error) bool
}

func (sub *subscription) run(ctx context.Context) {
	for {
		err := sub.step(ctx)
		if err == errStop {
			return
		}
		if cerr := sub.s.ctxErr(ctx); cerr != nil {
			sub.yield(events.Delivery{}, cerr)
			return
		}
		sub.s.metrics.drops.Inc()
		sub.resetBackoff()
		sub.s.log.Warn("esdb: subscription interrupted; resuming", "after", sub.last.Commit, "backoff", sub.backoff, "err", err)
		if !sub.sleep(ctx) {
			sub.yield(events.Delivery{}, sub.s.ctxErr(ctx))
			return
		}
	}
}

// step catches up if needed, then follows the live subscription until it
// fails. It never returns nil.
func (sub *subscription) step(ctx context.Context) error {
	if sub.fromEnd {
		p, err := sub.s.lastPosition(ctx)
		if err != nil {
			return fmt.Errorf("esdb: subscribe: find end of $all: %w", err)
		}
		sub.last, sub.fromEnd = p, false
	}
	if !sub.caughtUp {
		if err := sub.catchUp(ctx); err != nil {
			return err
		}
	}
	return sub.live(ctx)
}

// catchUp reads $all after sub.last to its end, then yields the caught-up
// mark at the last examined position.
func (sub *subscription) catchUp(ctx context.Context) error {
	page := sub.s.cfg.PageSize
	for {
		n, stopped, err := sub.s.readPage(ctx, readAllPage(esdb.Forwards, allFrom(sub.last), page), sub.deliver)
		switch {
		case stopped:
			return errStop
		case err != nil:
			return fmt.Errorf("esdb: subscribe: catch up: %w", err)
		case n < page:
			sub.caughtUp = true
			return sub.emit(events.Delivery{CaughtUp: true, Position: sub.last.Commit})
		}
	}
}

// live subscribes to $all after sub.last and delivers events until the
// subscription drops. Checkpoints do not move sub.last: a checkpoint names
// the next position to examine, not one examined, and resuming past it
// could skip an event.
func (sub *subscription) live(ctx context.Context) error {
	c, err := sub.s.current()
	if err != nil {
		return err
	}
	opts := esdb.SubscribeToAllOptions{From: allFrom(sub.last), Filter: serverFilter(sub.filter)}
	h, err := call(sub.s, ctx, func() (*esdb.Subscription, error) { return c.SubscribeToAll(ctx, opts) })
	if err != nil {
		sub.s.revive(c, err)
		return fmt.Errorf("esdb: subscribe: %w", err)
	}
	defer h.Close()
	for {
		ev, err := call(sub.s, ctx, func() (*esdb.SubscriptionEvent, error) { return h.Recv(), nil })
		switch {
		case err != nil:
			return err
		case ev.SubscriptionDropped != nil:
			return fmt.Errorf("esdb: subscription dropped: %w", ev.SubscriptionDropped.Error)
		case ev.EventAppeared != nil && !sub.deliver(ev.EventAppeared):
			return errStop
		}
	}
}

// deliver examines one event from a read or the subscription: it drops
// what was already examined, moves sub.last, and yields what the consumer
// wants. It returns false when the consumer stopped.
func (sub *subscription) deliver(ev *esdb.ResolvedEvent) bool {
	r := ev.OriginalEvent()
	if seen(r.Position, sub.last) {
		return true
	}
	sub.last = r.Position
	if !visible(sub.filter, r.StreamID, r.EventType) {
		return true
	}
	rec := fromRecorded(r)
	return sub.emit(events.Delivery{Event: &rec, Position: rec.Position}) == nil
}

// emit yields one item; errStop when the consumer stopped.
func (sub *subscription) emit(d events.Delivery) error {
	sub.progress = true
	if !sub.yield(d, nil) {
		return errStop
	}
	return nil
}

// resetBackoff starts the backoff over if the subscription made progress
// since the last failure.
func (sub *subscription) resetBackoff() {
	if sub.progress {
		sub.backoff, sub.progress = sub.s.cfg.ResubscribeBackoff, false
	}
}

// sleep waits the backoff (then doubles it); false if ctx ended first.
func (sub *subscription) sleep(ctx context.Context) bool {
	t := time.NewTimer(sub.backoff)
	defer t.Stop()
	select {
	case <-t.C:
		sub.backoff = min(2*sub.backoff, sub.s.cfg.MaxResubscribeBackoff)
		return true
	case <-ctx.Done():
		return false
	}
}
