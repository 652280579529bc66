package replay

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Timeline yields the events that match q, in store order, one at a time:
// memory stays constant whatever the size of the log. An unknown chat or
// connection in q yields one error wrapping ErrUnknownChat or
// ErrUnknownConnection. With Config.TimeOrdered it starts near q.Since and
// stops once append times pass q.Until by more than Config.Slack; otherwise
// it scans the whole log.
func (r *Replayer) Timeline(ctx context.Context, q Query) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		after, err := r.prepare(ctx, q)
		if err != nil {
			yield(Entry{}, err)
			return
		}
		for rec, err := range r.readAll(ctx, after) {
			if err != nil {
				yield(Entry{}, err)
				return
			}
			if r.pastWindow(q, rec) {
				return
			}
			if !q.matchEnvelope(rec) {
				continue
			}
			if e := newEntry(rec); q.matchEntry(&e) && !yield(e, nil) {
				return
			}
		}
	}
}

// prepare validates q against the log and returns where to start reading.
func (r *Replayer) prepare(ctx context.Context, q Query) (uint64, error) {
	if err := q.Validate(r.cfg.Now()); err != nil {
		return 0, err
	}
	if err := r.checkStreams(ctx, q); err != nil {
		return 0, err
	}
	if !r.cfg.TimeOrdered || q.Since.IsZero() {
		return 0, nil
	}
	return r.seek(ctx, q.Since.Add(-r.cfg.Slack))
}

func (r *Replayer) checkStreams(ctx context.Context, q Query) error {
	if q.Chat != "" {
		if ok, err := r.streamExists(ctx, events.ChatStream(q.Chat)); err != nil || !ok {
			return orErr(err, fmt.Errorf("replay: chat %q: %w", q.Chat, ErrUnknownChat))
		}
	}
	if q.Connection != "" {
		if ok, err := r.streamExists(ctx, events.ConnectionStream(q.Connection)); err != nil || !ok {
			return orErr(err, fmt.Errorf("replay: connection %q: %w", q.Connection, ErrUnknownConnection))
		}
	}
	return nil
}

func orErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// pastWindow reports, for a time-ordered store, that rec and every later
// event lie after the window: both rec's append time and its own time are
// more than Slack past q.Until. (Checking both keeps a log whose event
// times disagree with its append times, say one imported from elsewhere,
// from being cut short: it is scanned to the end.)
func (r *Replayer) pastWindow(q Query, rec events.RecordedEvent) bool {
	if !r.cfg.TimeOrdered || q.Until.IsZero() {
		return false
	}
	limit := q.Until.Add(r.cfg.Slack)
	return rec.Time.After(limit) && newEntry(rec).At.After(limit)
}

// seek returns the largest position after which every event was appended
// at or after target, by binary search over positions (TimeOrdered only).
func (r *Replayer) seek(ctx context.Context, target time.Time) (uint64, error) {
	head, err := r.store.Head(ctx)
	if err != nil {
		return 0, fmt.Errorf("replay: head: %w", err)
	}
	lo, hi := uint64(0), head
	for lo < hi {
		mid := lo + (hi-lo)/2
		t, ok, err := r.firstTimeAfter(ctx, mid)
		if err != nil {
			return 0, err
		}
		if !ok || !t.Before(target) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// firstTimeAfter returns the append time of the first event after pos.
func (r *Replayer) firstTimeAfter(ctx context.Context, pos uint64) (time.Time, bool, error) {
	for rec, err := range r.store.ReadAll(ctx, events.ReadAllOptions{After: pos, Limit: 1}) {
		if err != nil {
			return time.Time{}, false, fmt.Errorf("replay: seek: %w", err)
		}
		return rec.Time, true, nil
	}
	return time.Time{}, false, nil
}
