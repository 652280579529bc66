package embedded

import (
	"context"
	"fmt"
	"iter"
	"math"

	"github.com/linkup-chat/linkup/events"
)

// A stream's events up to the indexed watermark are found through
// stream_index (streamIndexed*), the newer ones by scanning the short tail
// of events past it (streamTail*; see index.go). A read fixes the
// watermark once: it only grows and every event up to it stays in
// stream_index, so the two parts split the stream exactly whichever
// snapshot each page sees. The first page takes both parts in one query
// (streamBoth*: a chat's history page is one query); the next pages take
// the part their cursor is in, so a long read scans the tail once.
// Within a stream, position order is revision order. Arguments: stream
// name, revision cursor, watermark, limit.
const (
	selectEvents  = "SELECT " + selectColumns + " FROM events "
	streamIDSQL   = "(SELECT id FROM streams WHERE name = ?1)"
	indexedFwd    = "SELECT position FROM stream_index WHERE stream_id = " + streamIDSQL + " AND revision >= ?2 AND position <= ?3 ORDER BY revision LIMIT ?4"
	indexedBack   = "SELECT position FROM stream_index WHERE stream_id = " + streamIDSQL + " AND revision <= ?2 AND position <= ?3 ORDER BY revision DESC LIMIT ?4"
	tailFwd       = "SELECT position FROM events WHERE position > ?3 AND stream_id = " + streamIDSQL + " AND revision >= ?2 ORDER BY position LIMIT ?4"
	tailBack      = "SELECT position FROM events WHERE position > ?3 AND stream_id = " + streamIDSQL + " AND revision <= ?2 ORDER BY position DESC LIMIT ?4"
	streamIndexed = selectEvents + "WHERE position IN (" + indexedFwd + ") ORDER BY position LIMIT ?4"
	streamTail    = selectEvents + "WHERE position IN (" + tailFwd + ") ORDER BY position LIMIT ?4"
	streamBoth    = selectEvents + "WHERE position IN (SELECT position FROM (" + indexedFwd + ") UNION ALL SELECT position FROM (" +
		tailFwd + ")) ORDER BY position LIMIT ?4"
	streamIndexedBack = selectEvents + "WHERE position IN (" + indexedBack + ") ORDER BY position DESC LIMIT ?4"
	streamTailBack    = selectEvents + "WHERE position IN (" + tailBack + ") ORDER BY position DESC LIMIT ?4"
	streamBothBack    = selectEvents + "WHERE position IN (SELECT position FROM (" + indexedBack + ") UNION ALL SELECT position FROM (" +
		tailBack + ")) ORDER BY position DESC LIMIT ?4"
	streamExists = "SELECT EXISTS (SELECT 1 FROM streams WHERE name = ?)"
)

// streamPlan is the queries of one read direction: both parts, the
// indexed part, the tail, and which part comes first.
type streamPlan struct {
	both, indexed, tail string
	backwards           bool
}

var (
	forwardPlan  = streamPlan{both: streamBoth, indexed: streamIndexed, tail: streamTail}
	backwardPlan = streamPlan{both: streamBothBack, indexed: streamIndexedBack, tail: streamTailBack, backwards: true}
)

// next is the query after a page of query whose last event is at
// position last (0: the page was not full), or "" at the end.
func (pl streamPlan) next(query string, last, mark uint64) string {
	if last == 0 { // the part of query is exhausted
		switch {
		case query == pl.indexed && !pl.backwards:
			return pl.tail
		case query == pl.tail && pl.backwards:
			return pl.indexed
		}
		return ""
	}
	if last <= mark {
		return pl.indexed
	}
	return pl.tail
}

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
	plan, mark := forwardPlan, uint64(0)
	if opts.Backwards {
		plan = backwardPlan
	}
	if s.legacy { // one query for every page; everything counts as indexed
		plan, mark = streamPlan{both: legacyForwards, indexed: legacyForwards}, math.MaxInt64
		if opts.Backwards {
			plan = streamPlan{both: legacyBackwards, indexed: legacyBackwards, backwards: true}
		}
	} else {
		var err error
		if mark, err = s.mark(ctx); err != nil {
			return s.readErr("read "+stream, err)
		}
	}
	cursor := int64(opts.From)
	if opts.Backwards && (opts.FromEnd || opts.From > math.MaxInt64) {
		cursor = math.MaxInt64
	}
	left, got := opts.Limit, 0
	for query := plan.both; query != ""; {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := s.fetch(ctx, s.pageLimit(left, opts.Limit > 0), query, stream, cursor, int64(mark))
		if err != nil {
			return s.readErr("read "+stream, err)
		}
		for _, ev := range p.evs {
			if !yield(ev, nil) {
				return errStop
			}
			cursor = int64(ev.Revision) + 1
			if opts.Backwards {
				cursor = int64(ev.Revision) - 1
			}
		}
		got += len(p.evs)
		left -= len(p.evs)
		if (opts.Limit > 0 && left <= 0) || cursor < 0 {
			return nil
		}
		last := uint64(0)
		if p.more && len(p.evs) > 0 {
			last = p.evs[len(p.evs)-1].Position
		}
		query = plan.next(query, last, mark)
	}
	if got == 0 {
		return s.notFound(ctx, stream)
	}
	return nil
}

// notFound is the outcome of a read that found nothing: ErrStreamNotFound
// if the stream has no events at all, else nothing (the range was past its
// end).
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

// mark returns the indexed watermark: every event up to it is in the
// indexes (index.go). It only grows; a writable store has it from its
// writer, a read-only one reads it.
func (s *Store) mark(ctx context.Context) (uint64, error) {
	if s.w != nil {
		return s.w.marked.Load(), nil // set after each commit that moves it
	}
	var m int64
	err := s.rdb.QueryRowContext(ctx, "SELECT position FROM indexed WHERE id = 0").Scan(&m)
	return uint64(m), err
}
