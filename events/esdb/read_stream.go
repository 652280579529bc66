package esdb

import (
	"context"
	"fmt"
	"iter"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/linkup-chat/linkup/events"
)

// streamCursor walks one stream page by page.
type streamCursor struct {
	stream string
	opts   events.ReadStreamOptions
	from   esdb.StreamPosition
	got    int
	last   uint64
}

func newStreamCursor(stream string, opts events.ReadStreamOptions) *streamCursor {
	c := &streamCursor{stream: stream, opts: opts, from: esdb.Revision(opts.From)}
	switch {
	case opts.Backwards && opts.FromEnd:
		c.from = esdb.End{}
	case !opts.Backwards && opts.From == 0:
		c.from = esdb.Start{}
	}
	return c
}

func (c *streamCursor) direction() esdb.Direction {
	if c.opts.Backwards {
		return esdb.Backwards
	}
	return esdb.Forwards
}

// page returns how many events to ask for next.
func (c *streamCursor) page(size int) int {
	if c.opts.Limit > 0 {
		return min(size, c.opts.Limit-c.got)
	}
	return size
}

// advance moves past a page of n events out of asked; it reports whether
// there may be more to read.
func (c *streamCursor) advance(n, asked int) bool {
	if n < asked || (c.opts.Limit > 0 && c.got >= c.opts.Limit) {
		return false
	}
	if c.opts.Backwards {
		if c.last == 0 {
			return false
		}
		c.from = esdb.Revision(c.last - 1)
		return true
	}
	c.from = esdb.Revision(c.last + 1)
	return true
}

func (c *streamCursor) opener(count int) opener {
	return func(ctx context.Context, cl *esdb.Client) (*esdb.ReadStream, error) {
		return cl.ReadStream(ctx, c.stream, esdb.ReadStreamOptions{Direction: c.direction(), From: c.from}, uint64(count))
	}
}

// ReadStream yields a stream's events in revision order (or reverse with
// Backwards). A stream that does not exist, or was deleted, yields one
// error wrapping events.ErrStreamNotFound.
func (s *Store) ReadStream(ctx context.Context, stream string, opts events.ReadStreamOptions) iter.Seq2[events.RecordedEvent, error] {
	return func(yield func(events.RecordedEvent, error) bool) {
		ctx, cancel := s.opContext(ctx)
		defer cancel()
		if stream == "" {
			yield(events.RecordedEvent{}, fmt.Errorf("esdb: read: empty stream name: %w", events.ErrStreamNotFound))
			return
		}
		c := newStreamCursor(stream, opts)
		each := func(ev *esdb.ResolvedEvent) bool {
			rec := fromRecorded(ev.OriginalEvent())
			c.got, c.last = c.got+1, rec.Revision
			return yield(rec, nil)
		}
		for {
			asked := c.page(s.cfg.PageSize)
			n, stopped, err := s.readPage(ctx, c.opener(asked), each)
			if err != nil {
				yield(events.RecordedEvent{}, s.streamErr(ctx, stream, err))
				return
			}
			if stopped || !c.advance(n, asked) {
				return
			}
		}
	}
}

func (s *Store) streamErr(ctx context.Context, stream string, err error) error {
	if isNotFound(err) && s.ctxErr(ctx) == nil {
		return fmt.Errorf("esdb: read %s: %w (%v)", stream, events.ErrStreamNotFound, err)
	}
	return s.readErr(ctx, stream, err)
}
