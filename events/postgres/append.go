package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/linkup-chat/linkup/events"
)

// appendReq is one Append waiting for the writer, checked and encoded by
// the caller's goroutine.
type appendReq struct {
	stream   string
	expected events.ExpectedRevision
	rows     []row
	queued   time.Time
	done     chan appendResp // buffered: the writer never blocks on it
}

type appendResp struct {
	res events.AppendResult
	err error
}

// row is one event ready to insert; the writer sets position and revision.
type row struct {
	position, revision int64
	id                 uuid.UUID
	typ                string
	data, metadata     string
}

// Append queues the events for the writer and waits for their commit.
// With the queue full it returns events.ErrOverloaded at once. If ctx ends
// after the append is queued, Append returns ctx's error and the append
// may still be committed.
func (s *Store) Append(ctx context.Context, stream string, expected events.ExpectedRevision, evs ...events.EventData) (events.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return events.AppendResult{}, err
	}
	req, err := s.newReq(stream, expected, evs)
	if err != nil {
		return events.AppendResult{}, err
	}
	if err := s.enqueue(req); err != nil {
		return events.AppendResult{}, err
	}
	select {
	case r := <-req.done:
		return r.res, r.err
	case <-ctx.Done():
		return events.AppendResult{}, ctx.Err()
	}
}

func (s *Store) enqueue(req *appendReq) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch {
	case s.closed:
		return events.ErrClosed
	case s.w == nil:
		return fmt.Errorf("postgres: append %s: %w", req.stream, events.ErrReadOnly)
	}
	req.queued = time.Now()
	select {
	case s.w.queue <- req:
		return nil
	default:
		s.metrics.overloads.Inc()
		return fmt.Errorf("postgres: append %s: %w", req.stream, events.ErrOverloaded)
	}
}

func (s *Store) newReq(stream string, expected events.ExpectedRevision, evs []events.EventData) (*appendReq, error) {
	if stream == "" || !validText(stream) {
		return nil, fmt.Errorf("postgres: append: stream name empty or not UTF-8 text: %w", events.ErrInvalidEvent)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("postgres: append %s: no events: %w", stream, events.ErrInvalidEvent)
	}
	req := &appendReq{stream: stream, expected: expected, rows: make([]row, len(evs)), done: make(chan appendResp, 1)}
	for i, ev := range evs {
		r, err := s.newRow(ev)
		if err != nil {
			return nil, fmt.Errorf("postgres: append %s event %d: %w", stream, i, err)
		}
		req.rows[i] = r
	}
	return req, nil
}

func (s *Store) newRow(ev events.EventData) (row, error) {
	if ev.Type == "" || !validText(ev.Type) {
		return row{}, fmt.Errorf("type empty or not UTF-8 text: %w", events.ErrInvalidEvent)
	}
	if !isJSONObject(ev.Data) || !validText(string(ev.Data)) {
		return row{}, fmt.Errorf("%s: data is not a JSON object in UTF-8: %w", ev.Type, events.ErrInvalidEvent)
	}
	id, err := eventID(ev.ID)
	if err != nil {
		return row{}, err
	}
	md, err := encodeMetadata(ev.Metadata)
	if err != nil || !validText(string(md)) {
		return row{}, fmt.Errorf("%s: metadata: %v: %w", ev.Type, err, events.ErrInvalidEvent)
	}
	if n := len(ev.Data) + len(md) + len(ev.Type); n > s.cfg.MaxEventBytes {
		return row{}, fmt.Errorf("%s: %d bytes, limit %d: %w", ev.Type, n, s.cfg.MaxEventBytes, events.ErrTooLarge)
	}
	return row{id: id, typ: ev.Type, data: string(ev.Data), metadata: string(md)}, nil
}

// validText reports whether PostgreSQL's text type can hold s: valid UTF-8
// without NUL bytes (which the database refuses, failing a whole batch).
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
	}
	return true
}

// eventID parses id or, when empty, makes a new time-ordered UUID (v7).
func eventID(id string) (uuid.UUID, error) {
	if id == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return uuid.UUID{}, fmt.Errorf("new event id: %w", err)
		}
		return u, nil
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return uuid.UUID{}, fmt.Errorf("event id %q is not a UUID: %w", id, events.ErrInvalidEvent)
	}
	return u, nil
}

func isJSONObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return json.Valid(b)
		}
		return false
	}
	return false
}

func encodeMetadata(md events.Metadata) ([]byte, error) {
	if md == (events.Metadata{}) {
		return []byte("{}"), nil
	}
	return json.Marshal(md)
}
