package esdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/linkup-chat/linkup/events"
)

// Append writes evs to stream atomically if expected holds. The server
// acknowledges only durable writes. At most MaxInflightAppends appends wait
// for the server; beyond that Append returns events.ErrOverloaded at once.
func (s *Store) Append(ctx context.Context, stream string, expected events.ExpectedRevision, evs ...events.EventData) (events.AppendResult, error) {
	if s.cfg.ReadOnly {
		return events.AppendResult{}, fmt.Errorf("esdb: append %s: %w", stream, events.ErrReadOnly)
	}
	data, err := s.toAppend(stream, evs)
	if err != nil {
		return events.AppendResult{}, err
	}
	if err := ctx.Err(); err != nil { // cancelled before being sent: abandoned
		return events.AppendResult{}, fmt.Errorf("esdb: append %s: %w", stream, err)
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		s.metrics.overloads.Inc()
		return events.AppendResult{}, fmt.Errorf("esdb: append %s: %w", stream, events.ErrOverloaded)
	}
	return s.send(ctx, stream, expected, data)
}

// toAppend checks the stream name and every event, and the append's size.
func (s *Store) toAppend(stream string, evs []events.EventData) ([]esdb.EventData, error) {
	if err := checkStream(stream, len(evs)); err != nil {
		return nil, err
	}
	out := make([]esdb.EventData, len(evs))
	total := 0
	for i, ev := range evs {
		d, n, err := toEventData(ev)
		if err != nil {
			return nil, fmt.Errorf("esdb: append %s event %d: %w", stream, i, err)
		}
		out[i], total = d, total+n
	}
	if total > s.cfg.MaxAppendBytes {
		return nil, fmt.Errorf("esdb: append %s: %d bytes, limit %d: %w", stream, total, s.cfg.MaxAppendBytes, events.ErrTooLarge)
	}
	return out, nil
}

func checkStream(stream string, n int) error {
	switch {
	case stream == "":
		return fmt.Errorf("esdb: append: empty stream name: %w", events.ErrInvalidEvent)
	case strings.HasPrefix(stream, "$"):
		return fmt.Errorf("esdb: append %s: stream names starting with $ are reserved by EventStoreDB: %w", stream, events.ErrInvalidEvent)
	case n == 0:
		return fmt.Errorf("esdb: append %s: no events: %w", stream, events.ErrInvalidEvent)
	}
	return nil
}

// send performs the append on the current client.
func (s *Store) send(ctx context.Context, stream string, expected events.ExpectedRevision, data []esdb.EventData) (events.AppendResult, error) {
	c, err := s.current()
	if err != nil {
		return events.AppendResult{}, err
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	start := time.Now()
	opts := esdb.AppendToStreamOptions{ExpectedRevision: toExpected(expected)}
	wr, err := call(s, ctx, func() (*esdb.WriteResult, error) { return c.AppendToStream(ctx, stream, opts, data...) })
	if err != nil {
		s.revive(c, err)
		return events.AppendResult{}, s.appendError(ctx, stream, expected, err)
	}
	s.metrics.latency.Observe(time.Since(start).Seconds())
	s.metrics.appended.Add(float64(len(data)))
	return events.AppendResult{NextExpectedRevision: wr.NextExpectedVersion, Position: wr.CommitPosition}, nil
}

// appendError maps the client's error of an append.
func (s *Store) appendError(ctx context.Context, stream string, expected events.ExpectedRevision, err error) error {
	if cerr := s.ctxErr(ctx); cerr != nil {
		return fmt.Errorf("esdb: append %s: %w", stream, cerr)
	}
	if code(err) == esdb.ErrorCodeWrongExpectedVersion {
		return fmt.Errorf("esdb: append %s (expected %s): %w: %v", stream, expected, events.ErrWrongExpectedRevision, err)
	}
	if strings.Contains(err.Error(), "Maximum Append Size") {
		return fmt.Errorf("esdb: append %s: %w: %v", stream, events.ErrTooLarge, err)
	}
	return fmt.Errorf("esdb: append %s: %w", stream, err)
}
