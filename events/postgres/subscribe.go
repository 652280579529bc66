package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Subscribe yields every matching event after opts.After (or after the
// head at the call with FromEnd), then one CaughtUp mark, then events as
// they are committed. Each round takes the wake-up channel, reads the head
// H, then reads every matching event after pos: since positions become
// visible in order (doc.go, "Global order"), nothing at or below H, nor
// below the last event delivered, can appear later, so the next round
// starts at the larger of the two without gap or duplicate.
// Rounds run on a commit by this store, a NOTIFY from another process, or
// every PollInterval. A failed read (database restarting, connection
// killed) is retried with a growing pause up to 5 s instead of ending the
// subscription.
func (s *Store) Subscribe(ctx context.Context, opts events.SubscribeOptions) iter.Seq2[events.Delivery, error] {
	return func(yield func(events.Delivery, error) bool) {
		err := s.subscribe(ctx, opts, yield)
		if err != nil && err != errStop {
			yield(events.Delivery{}, err)
		}
	}
}

func (s *Store) subscribe(ctx context.Context, opts events.SubscribeOptions, yield func(events.Delivery, error) bool) error {
	if s.isClosed() {
		return events.ErrClosed
	}
	pos := opts.After
	if opts.FromEnd {
		h, err := s.headRetrying(ctx)
		if err != nil {
			return err
		}
		pos = h
	}
	deliver := func(ev *events.RecordedEvent) bool {
		return yield(events.Delivery{Event: ev, Position: ev.Position}, nil)
	}
	for caughtUp := false; ; caughtUp = true {
		wake := s.notify.wait()
		next, err := s.catchUpRetrying(ctx, pos, opts.Filter, deliver)
		if err != nil {
			return err
		}
		pos = next
		if !caughtUp && !yield(events.Delivery{CaughtUp: true, Position: pos}, nil) {
			return errStop
		}
		if err := s.waitWake(ctx, wake); err != nil {
			return err
		}
	}
}

// catchUp reads the head H, then delivers every matching event after pos
// (those at or below H, and any committed since), and returns the larger
// of H and the last position delivered; or the last position delivered if
// the consumer stopped or a read failed.
func (s *Store) catchUp(ctx context.Context, pos uint64, f events.Filter, deliver func(*events.RecordedEvent) bool) (uint64, error) {
	head, err := s.Head(ctx)
	if err != nil || head <= pos {
		return pos, err
	}
	last, err := s.scan(ctx, pos, 0, f, deliver)
	if err != nil {
		return last, err
	}
	return max(head, last), nil
}

// catchUpRetrying is catchUp, retried after database failures, resuming
// after the last event delivered.
func (s *Store) catchUpRetrying(ctx context.Context, pos uint64, f events.Filter, deliver func(*events.RecordedEvent) bool) (uint64, error) {
	pause := 50 * time.Millisecond
	for {
		next, err := s.catchUp(ctx, pos, f, deliver)
		if err == nil || !errors.Is(err, ErrUnavailable) {
			return next, err
		}
		s.cfg.Logger.Warn("postgres: subscription read failed, retrying", "err", err, "after", next)
		pos = next
		if err := s.pause(ctx, &pause); err != nil {
			return pos, err
		}
	}
}

func (s *Store) headRetrying(ctx context.Context) (uint64, error) {
	pause := 50 * time.Millisecond
	for {
		h, err := s.Head(ctx)
		if err == nil || !errors.Is(err, ErrUnavailable) {
			return h, err
		}
		if err := s.pause(ctx, &pause); err != nil {
			return 0, err
		}
	}
}

// pause waits *d (then doubles it, up to 5 s), or until ctx or Close.
func (s *Store) pause(ctx context.Context, d *time.Duration) error {
	t := time.NewTimer(*d)
	defer t.Stop()
	*d = min(2**d, 5*time.Second)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return events.ErrClosed
	}
}

// waitWake waits for a wake-up, the poll interval, ctx or Close.
func (s *Store) waitWake(ctx context.Context, wake <-chan struct{}) error {
	t := time.NewTimer(s.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return events.ErrClosed
	}
	return nil
}

func unmarshalMetadata(md string, into *events.Metadata) error {
	if md == "{}" {
		return nil
	}
	return json.Unmarshal([]byte(md), into)
}
