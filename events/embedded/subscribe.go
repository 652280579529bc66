package embedded

import (
	"context"
	"iter"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Subscribe yields every matching event after opts.After (or after the
// head at the call with FromEnd), then one CaughtUp mark, then events as
// they are committed. Each round takes the commit signal before reading the
// head, then reads up to that head, so a commit in between wakes it again:
// no gap and no duplicate. A read-only store, which cannot see another
// process's commits, polls every PollInterval instead. The subscription
// holds a read connection only while fetching a page.
func (s *Store) Subscribe(ctx context.Context, opts events.SubscribeOptions) iter.Seq2[events.Delivery, error] {
	return func(yield func(events.Delivery, error) bool) {
		err := s.subscribe(ctx, opts, yield)
		if err != nil && err != errStop {
			yield(events.Delivery{}, err)
		}
	}
}

func (s *Store) subscribe(ctx context.Context, opts events.SubscribeOptions, yield func(events.Delivery, error) bool) error {
	pos := opts.After
	if opts.FromEnd {
		head, err := s.Head(ctx)
		if err != nil {
			return err
		}
		pos = head
	}
	deliver := func(ev *events.RecordedEvent) bool {
		return yield(events.Delivery{Event: ev, Position: ev.Position}, nil)
	}
	for caughtUp := false; ; caughtUp = true {
		wake := s.notify.wait()
		next, err := s.catchUp(ctx, pos, opts.Filter, deliver)
		if err != nil {
			return err
		}
		pos = next
		if !caughtUp && !yield(events.Delivery{CaughtUp: true, Position: pos}, nil) {
			return errStop
		}
		if err := s.waitCommit(ctx, wake); err != nil {
			return err
		}
	}
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
