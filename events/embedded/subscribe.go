package embedded

import (
	"context"
	"iter"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// liveChunk bounds the events a subscription copies out of the feed at a
// time (under the feed's read lock).
const liveChunk = 256

// Subscribe yields every matching event after opts.After (or after the
// head at the call with FromEnd), then one CaughtUp mark, then events as
// they are committed.
//
// New events come from the feed, the writer's own record of its recent
// commits, in memory and in position order; only a subscription whose
// position is older than anything the feed still holds (at the start, or
// after consuming more slowly than the log grows) reads SQLite, up to the
// head, and then goes back to the feed. Each round takes the commit signal
// before reading, so a commit in between wakes it again: no gap and no
// duplicate. A read-only store, which cannot see another process's
// commits, has no feed and polls the store every PollInterval instead. The
// subscription holds a read connection only while fetching a page, and
// no lock while the consumer runs. An event's Data may be shared with
// other subscriptions: consumers must not modify it.
func (s *Store) Subscribe(ctx context.Context, opts events.SubscribeOptions) iter.Seq2[events.Delivery, error] {
	return func(yield func(events.Delivery, error) bool) {
		err := s.subscribe(ctx, opts, yield)
		if err != nil && err != errStop {
			yield(events.Delivery{}, err)
		}
	}
}

// follower is one subscription's state between rounds.
type follower struct {
	pos    uint64 // last position examined
	filter events.Filter
	live   bool // caught up once: falling behind the feed now counts as a fallback
	yield  func(events.Delivery, error) bool
}

func (f *follower) deliver(ev *events.RecordedEvent) bool {
	return f.yield(events.Delivery{Event: ev, Position: ev.Position}, nil)
}

func (s *Store) subscribe(ctx context.Context, opts events.SubscribeOptions, yield func(events.Delivery, error) bool) error {
	f := &follower{pos: opts.After, filter: opts.Filter, yield: yield}
	if opts.FromEnd {
		head, err := s.Head(ctx)
		if err != nil {
			return err
		}
		f.pos = head
	}
	if s.feed != nil {
		s.feed.join()
		defer s.feed.leave()
	}
	for {
		wake := s.notify.wait()
		if err := s.round(ctx, f); err != nil {
			return err
		}
		if !f.live && !yield(events.Delivery{CaughtUp: true, Position: f.pos}, nil) {
			return errStop
		}
		f.live = true
		if err := s.waitCommit(ctx, wake); err != nil {
			return err
		}
	}
}

// round delivers what follows f.pos: from the feed while it holds it, else
// from the store up to the head.
func (s *Store) round(ctx context.Context, f *follower) error {
	for s.feed != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		recs, examined, more, ok := s.feed.read(f.pos, f.filter, liveChunk)
		if !ok {
			if f.live {
				s.metrics.fallbacks.Inc()
			}
			break
		}
		for i := range recs {
			if !f.deliver(&recs[i]) {
				s.metrics.liveEvents.Add(float64(i + 1)) // the consumer got it, then stopped
				return errStop
			}
		}
		s.metrics.liveEvents.Add(float64(len(recs)))
		f.pos = examined
		if !more {
			return nil
		}
	}
	n := 0
	next, err := s.catchUp(ctx, f.pos, f.filter, func(ev *events.RecordedEvent) bool {
		n++
		return f.deliver(ev)
	})
	s.metrics.storeEvents.Add(float64(n))
	f.pos = next
	return err
}

// catchUp delivers matching events from after pos to the current head and
// returns the head (the last position examined).
func (s *Store) catchUp(ctx context.Context, pos uint64, f events.Filter, deliver func(*events.RecordedEvent) bool) (uint64, error) {
	head, err := s.Head(ctx)
	if err != nil || head <= pos {
		return pos, err
	}
	last, err := s.scan(ctx, pos, head, 0, f, deliver)
	if err != nil {
		return pos, err
	}
	if f.StreamPrefixes == nil && f.EventTypes == nil {
		// Unfiltered, every position up to head is an event: resume after
		// the last one actually read, so that a read which did not yet see
		// the newest commit is repeated instead of skipping it.
		return last, nil
	}
	return head, nil
}

// waitCommit waits for the next commit (or poll tick), ctx or Close.
func (s *Store) waitCommit(ctx context.Context, wake <-chan struct{}) error {
	// A read-only store cannot see another process's commits and polls; a
	// writable one wakes on its commits and also looks again once a second,
	// as a safety net.
	every := time.Second
	if s.w == nil {
		every = s.cfg.PollInterval
	}
	t := time.NewTimer(every)
	defer t.Stop()
	tick := t.C
	select {
	case <-wake:
	case <-tick:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return events.ErrClosed
	}
	return nil
}
