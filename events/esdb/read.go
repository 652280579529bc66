package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/linkup-chat/linkup/events"
)

// opener starts one read request on client c.
type opener func(ctx context.Context, c *esdb.Client) (*esdb.ReadStream, error)

// readPage runs one read request and hands each event to each, which
// returns false to stop. It returns how many events arrived and whether
// each stopped the read. Reads hold no lock: each may call the store.
func (s *Store) readPage(ctx context.Context, open opener, each func(*esdb.ResolvedEvent) bool) (n int, stopped bool, err error) {
	c, err := s.current()
	if err != nil {
		return 0, false, err
	}
	rs, err := call(s, ctx, func() (*esdb.ReadStream, error) { return open(ctx, c) })
	if err != nil {
		s.revive(c, err)
		return 0, false, err
	}
	defer rs.Close()
	for {
		ev, err := call(s, ctx, rs.Recv)
		switch {
		case errors.Is(err, io.EOF):
			return n, false, nil
		case err != nil:
			s.revive(c, err)
			return n, false, err
		}
		n++
		if !each(ev) {
			return n, true, nil
		}
	}
}

// readAllPage opens a read of count events of $all from from.
func readAllPage(dir esdb.Direction, from esdb.AllPosition, count int) opener {
	return func(ctx context.Context, c *esdb.Client) (*esdb.ReadStream, error) {
		return c.ReadAll(ctx, esdb.ReadAllOptions{Direction: dir, From: from}, uint64(count))
	}
}

// readErr maps a read's error: ErrClosed or the context's error when the
// read ended for that reason, else the client's error wrapped.
func (s *Store) readErr(ctx context.Context, what string, err error) error {
	if cerr := s.ctxErr(ctx); cerr != nil {
		return fmt.Errorf("esdb: read %s: %w", what, cerr)
	}
	return fmt.Errorf("esdb: read %s: %w", what, err)
}

// ReadAll yields the non-system events after opts.After that match
// opts.Filter, in $all order, at most opts.Limit. The client's $all read
// has no server-side filter, so filtering happens here, page by page.
func (s *Store) ReadAll(ctx context.Context, opts events.ReadAllOptions) iter.Seq2[events.RecordedEvent, error] {
	return func(yield func(events.RecordedEvent, error) bool) {
		ctx, cancel := s.opContext(ctx)
		defer cancel()
		last, yielded := after(opts.After), 0
		each := func(ev *esdb.ResolvedEvent) bool {
			r := ev.OriginalEvent()
			if seen(r.Position, last) {
				return true
			}
			last = r.Position
			if !visible(opts.Filter, r.StreamID, r.EventType) {
				return true
			}
			yielded++
			return yield(fromRecorded(r), nil) && (opts.Limit <= 0 || yielded < opts.Limit)
		}
		for {
			n, stopped, err := s.readPage(ctx, readAllPage(esdb.Forwards, allFrom(last), s.cfg.PageSize), each)
			if err != nil {
				yield(events.RecordedEvent{}, s.readErr(ctx, "$all", err))
				return
			}
			if stopped || n < s.cfg.PageSize {
				return
			}
		}
	}
}

// Head returns the commit position of the last non-system event, reading
// $all backwards past any system events at its end.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	var from esdb.AllPosition = esdb.End{}
	var cursor *esdb.Position
	for {
		var head, examined *esdb.Position
		n, _, err := s.readPage(ctx, readAllPage(esdb.Backwards, from, s.cfg.PageSize), func(ev *esdb.ResolvedEvent) bool {
			r := ev.OriginalEvent()
			if cursor != nil && !before(r.Position, *cursor) {
				return true // at or after the cursor: already examined
			}
			examined = &r.Position
			if isSystem(r.StreamID, r.EventType) {
				return true
			}
			head = &r.Position
			return false
		})
		switch {
		case err != nil:
			return 0, s.readErr(ctx, "$all backwards", err)
		case head != nil:
			return head.Commit, nil
		case n < s.cfg.PageSize || examined == nil:
			return 0, nil
		}
		cursor, from = examined, *examined
	}
}

// lastPosition returns the position of the last event in $all, system
// events included (the zero Position when $all is empty).
func (s *Store) lastPosition(ctx context.Context) (esdb.Position, error) {
	var last esdb.Position
	_, _, err := s.readPage(ctx, readAllPage(esdb.Backwards, esdb.End{}, 1), func(ev *esdb.ResolvedEvent) bool {
		last = ev.OriginalEvent().Position
		return false
	})
	return last, err
}
