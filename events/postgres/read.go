package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/linkup-chat/linkup/events"
)

const (
	columns        = "position, stream, revision, id::text, type, time, data, metadata"
	streamForwards = "SELECT " + columns + ` FROM linkup_events
WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`
	streamBackwards = "SELECT " + columns + ` FROM linkup_events
WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`
	streamExists = "SELECT EXISTS (SELECT 1 FROM linkup_events WHERE stream = $1)"
	// allSQL reads the global log after $1, filtered in SQL: $3 stream
	// LIKE patterns (prefixes, escaped), $4 event types; NULL means no
	// filter. It has no upper bound on purpose: with one, a table not yet
	// analyzed (a young, fast-growing log) gets a bitmap scan of
	// everything after $1 and a sort, 30 times slower than walking the
	// primary key (measured: 17 ms against 0.6 ms for 512 of 20,000 rows).
	allSQL = "SELECT " + columns + ` FROM linkup_events
WHERE position > $1
  AND ($3::text[] IS NULL OR stream LIKE ANY ($3::text[]))
  AND ($4::text[] IS NULL OR type = ANY ($4::text[]))
ORDER BY position LIMIT $2`
)

// errStop tells the read loops that the consumer stopped iterating.
var errStop = errors.New("postgres: consumer stopped")

// ReadStream yields the stream's events in revision order (reverse with
// Backwards), a page at a time; no connection is held while the consumer
// runs.
func (s *Store) ReadStream(ctx context.Context, stream string, opts events.ReadStreamOptions) iter.Seq2[events.RecordedEvent, error] {
	return func(yield func(events.RecordedEvent, error) bool) {
		err := s.readStream(ctx, stream, opts, yield)
		if err != nil && err != errStop {
			yield(events.RecordedEvent{}, err)
		}
	}
}

func (s *Store) readStream(ctx context.Context, stream string, opts events.ReadStreamOptions, yield func(events.RecordedEvent, error) bool) error {
	if s.isClosed() {
		return events.ErrClosed
	}
	query, cursor := streamForwards, int64(min(opts.From, math.MaxInt64))
	if opts.Backwards && opts.FromEnd {
		cursor = math.MaxInt64
	}
	if opts.Backwards {
		query = streamBackwards
	}
	left, first := opts.Limit, true
	for {
		page, err := s.fetch(ctx, query, stream, cursor, s.pageLimit(left, opts.Limit > 0))
		if err != nil {
			return s.dbErr("read "+stream, err)
		}
		if first && len(page) == 0 {
			return s.notFound(ctx, stream)
		}
		first = false
		for _, ev := range page {
			if !yield(ev, nil) {
				return errStop
			}
			cursor = int64(ev.Revision) + 1
			if opts.Backwards {
				cursor = int64(ev.Revision) - 1
			}
		}
		if opts.Limit > 0 {
			left -= len(page)
		}
		if len(page) < s.cfg.PageSize || (opts.Limit > 0 && left <= 0) || cursor < 0 {
			return nil
		}
	}
}

func (s *Store) pageLimit(left int, limited bool) int {
	if limited && left < s.cfg.PageSize {
		return left
	}
	return s.cfg.PageSize
}

func (s *Store) notFound(ctx context.Context, stream string) error {
	var exists bool
	if err := s.pool.QueryRow(ctx, streamExists, stream).Scan(&exists); err != nil {
		return s.dbErr("read "+stream, err)
	}
	if !exists {
		return fmt.Errorf("postgres: read %s: %w", stream, events.ErrStreamNotFound)
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
		_, err := s.scan(ctx, opts.After, opts.Limit, opts.Filter, func(ev *events.RecordedEvent) bool {
			return yield(*ev, nil)
		})
		if err != nil && err != errStop {
			yield(events.RecordedEvent{}, err)
		}
	}
}

// scan calls fn for each matching event with position after after, at
// most limit (0: all), and returns the last position delivered (after if
// none).
func (s *Store) scan(ctx context.Context, after uint64, limit int, f events.Filter, fn func(*events.RecordedEvent) bool) (uint64, error) {
	prefixes, types := filterArgs(f)
	left := limit
	for {
		page, err := s.fetch(ctx, allSQL, int64(min(after, math.MaxInt64)), s.pageLimit(left, limit > 0), prefixes, types)
		if err != nil {
			return after, s.dbErr("read all", err)
		}
		for i := range page {
			if !fn(&page[i]) {
				return after, errStop
			}
			after = page[i].Position
		}
		if limit > 0 {
			if left -= len(page); left <= 0 {
				return after, nil
			}
		}
		if len(page) < s.cfg.PageSize {
			return after, nil
		}
	}
}

// filterArgs turns a filter into allSQL's arguments: LIKE patterns with
// the prefix's own %, _ and \ escaped, and the type list (nil: any).
func filterArgs(f events.Filter) (prefixes, types []string) {
	if len(f.StreamPrefixes) > 0 {
		prefixes = make([]string, len(f.StreamPrefixes))
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
		for i, p := range f.StreamPrefixes {
			prefixes[i] = esc.Replace(p) + "%"
		}
	}
	if len(f.EventTypes) > 0 {
		types = f.EventTypes
	}
	return prefixes, types
}

// fetch runs one page query and collects its events.
func (s *Store) fetch(ctx context.Context, query string, args ...any) ([]events.RecordedEvent, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanEvent)
}

func scanEvent(row pgx.CollectableRow) (events.RecordedEvent, error) {
	var ev events.RecordedEvent
	var pos, rev int64
	var data, md string
	if err := row.Scan(&pos, &ev.Stream, &rev, &ev.ID, &ev.Type, &ev.Time, &data, &md); err != nil {
		return ev, err
	}
	ev.Position, ev.Revision, ev.Data = uint64(pos), uint64(rev), []byte(data)
	if err := unmarshalMetadata(md, &ev.Metadata); err != nil {
		return ev, fmt.Errorf("event at %d: metadata: %w", pos, err)
	}
	ev.Time = ev.Time.UTC()
	return ev, nil
}
