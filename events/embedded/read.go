package embedded

import (
	"context"
	"fmt"
	"iter"
	"math"

	"github.com/linkup-chat/linkup/events"
)

// A stream's events are found through stream_index and by scanning the
// short tail of events past the indexed watermark (see index.go), in one
// statement so both parts come from one snapshot. Within a stream,
// position order is revision order. Arguments: stream name, revision
// cursor, limit.
const (
	selectEvents   = "SELECT " + selectColumns + " FROM events "
	streamIDSQL    = "(SELECT id FROM streams WHERE name = ?1)"
	markSQL        = "(SELECT position FROM indexed WHERE id = 0)"
	streamForwards = selectEvents + `WHERE position IN (
	SELECT position FROM (SELECT position FROM stream_index
		WHERE stream_id = ` + streamIDSQL + ` AND revision >= ?2 ORDER BY revision LIMIT ?3)
	UNION ALL
	SELECT position FROM events
		WHERE position > ` + markSQL + ` AND stream_id = ` + streamIDSQL + ` AND revision >= ?2)
ORDER BY position LIMIT ?3`
	streamBackwards = selectEvents + `WHERE position IN (
	SELECT position FROM (SELECT position FROM stream_index
		WHERE stream_id = ` + streamIDSQL + ` AND revision <= ?2 ORDER BY revision DESC LIMIT ?3)
	UNION ALL
	SELECT position FROM events
		WHERE position > ` + markSQL + ` AND stream_id = ` + streamIDSQL + ` AND revision <= ?2)
ORDER BY position DESC LIMIT ?3`
	streamExists = "SELECT EXISTS (SELECT 1 FROM streams WHERE name = ?)"
)

// ReadStream yields the stream's events in revision order (reverse with
// Backwards), fetching them a page at a time; no connection or lock is held
// while the consumer runs.
func (s *Store) ReadStream(ctx context.Context, stream string, opts events.ReadStreamOptions) iter.Seq2[events.RecordedEvent, error] {
	return func(yield func(events.RecordedEvent, error) bool) {
		err := s.readStream(ctx, stream, opts, yield)
		if err != nil && err != errStop {
			yield(events.RecordedEvent{}, err)
		}
	}
}

// errStop tells the read loops that the consumer stopped iterating.
var errStop = fmt.Errorf("embedded: consumer stopped")

func (s *Store) readStream(ctx context.Context, stream string, opts events.ReadStreamOptions, yield func(events.RecordedEvent, error) bool) error {
	if s.isClosed() {
		return events.ErrClosed
	}
	forwards, backwards := streamForwards, streamBackwards
	if s.legacy {
		forwards, backwards = legacyForwards, legacyBackwards
	}
	query, cursor := forwards, int64(opts.From)
	if opts.Backwards {
		query = backwards
		if opts.FromEnd || opts.From > math.MaxInt64 {
			cursor = math.MaxInt64
		}
	}
	left, first := opts.Limit, true
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := s.fetch(ctx, s.pageLimit(left, opts.Limit > 0), query, stream, cursor)
		if err != nil {
			return s.readErr("read "+stream, err)
		}
		if first && len(p.evs) == 0 {
			return s.notFound(ctx, stream)
		}
		first = false
		for _, ev := range p.evs {
			if !yield(ev, nil) {
				return errStop
			}
			cursor = int64(ev.Revision) + 1
			if opts.Backwards {
				cursor = int64(ev.Revision) - 1
			}
		}
		left -= len(p.evs)
		if !p.more || (opts.Limit > 0 && left <= 0) || cursor < 0 {
			return nil
		}
	}
}

// notFound is the outcome of an empty first page: ErrStreamNotFound if the
// stream has no events at all, else nothing (the range was past its end).
func (s *Store) notFound(ctx context.Context, stream string) error {
	var exists bool
	if err := s.rdb.QueryRowContext(ctx, streamExists, stream).Scan(&exists); err != nil {
		return s.readErr("read "+stream, err)
	}
	if !exists {
		return fmt.Errorf("embedded: read %s: %w", stream, events.ErrStreamNotFound)
	}
	return nil
}

// ReadAll yields events after opts.After in position order, a page at a
// time, holding nothing while the consumer runs.
func (s *Store) ReadAll(ctx context.Context, opts events.ReadAllOptions) iter.Seq2[events.RecordedEvent, error] {
	return func(yield func(events.RecordedEvent, error) bool) {
		if s.isClosed() {
			yield(events.RecordedEvent{}, events.ErrClosed)
			return
		}
		_, err := s.scan(ctx, opts.After, math.MaxInt64, opts.Limit, opts.Filter, func(ev *events.RecordedEvent) bool {
			return yield(*ev, nil)
		})
		if err != nil && err != errStop {
			yield(events.RecordedEvent{}, err)
		}
	}
}

// scan hands each event with after < position <= upTo that matches f to
// fn, at most limit (0: all), and returns the last position handed over.
// Filtered by type, it reads through type_index up to the indexed
// watermark, then scans the events past it: a page of either kind is one
// query, so a long read does not scan the unindexed tail at every page.
func (s *Store) scan(ctx context.Context, after, upTo uint64, limit int, f events.Filter, fn func(*events.RecordedEvent) bool) (uint64, error) {
	plain, indexed, fargs := allQuery(f)
	if s.legacy {
		indexed = "" // version 2 indexes events(type, position): plain uses it
	}
	left, from := limit, after
	for {
		if err := ctx.Err(); err != nil {
			return after, err
		}
		query, to := plain, min(upTo, math.MaxInt64)
		if indexed != "" {
			mark, err := s.mark(ctx)
			if err != nil {
				return after, s.readErr("read all", err)
			}
			if from < mark {
				query, to = indexed, min(to, mark)
			}
		}
		args := append([]any{int64(from), int64(to)}, fargs...)
		p, err := s.fetch(ctx, s.pageLimit(left, limit > 0), query, args...)
		if err != nil {
			return after, s.readErr("read all", err)
		}
		for i := range p.evs {
			if !fn(&p.evs[i]) {
				return after, errStop
			}
			after = p.evs[i].Position
		}
		from = max(from, after)
		left -= len(p.evs)
		if limit > 0 && left <= 0 {
			return after, nil
		}
		if !p.more {
			if to >= min(upTo, math.MaxInt64) {
				return after, nil
			}
			from = to // every match up to the watermark has been read
		}
	}
}

// mark reads the indexed watermark: every event up to it is in the
// indexes (index.go). It only grows.
func (s *Store) mark(ctx context.Context) (uint64, error) {
	var m int64
	err := s.rdb.QueryRowContext(ctx, "SELECT position FROM indexed WHERE id = 0").Scan(&m)
	return uint64(m), err
}
