package embedded

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/linkup-chat/linkup/events"
)

// appendReq is one Append waiting for the writer, with everything the
// writer needs already checked and encoded by the caller's goroutine.
type appendReq struct {
	stream   string
	expected events.ExpectedRevision
	rows     []row
	one      [1]row // rows' storage for a single-event append (the chats' case), saving an allocation
	queued   time.Time
	done     chan appendResp                  // Append's: buffered, the writer never blocks on it
	callback func(events.AppendResult, error) // AppendAsync's, called by the writer instead
}

// reply hands the append's outcome to its caller.
func (req *appendReq) reply(r appendResp) {
	if req.callback != nil {
		req.callback(r.res, r.err)
		return
	}
	req.done <- r
}

type appendResp struct {
	res events.AppendResult
	err error
}

// row is one event ready to insert; position and revision are set by the
// writer. data is the store's own copy of the event's JSON: it is bound
// to the INSERT (as text) and handed to the feed's records as is, and
// never changed.
type row struct {
	position, revision uint64
	streamID           int64
	id, typ            string
	data               []byte
	metadata           string
	md                 events.Metadata // metadata as given, for the feed
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
	req.done = make(chan appendResp, 1)
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

// AppendAsync queues the events like Append but does not wait: done is
// called exactly once, on the store's writer goroutine, with what Append
// would have returned, after the batch holding the events is committed and
// fsynced (or has failed). done runs on the one goroutine that writes, so it
// must return quickly and never block: hand the result to a buffered
// channel or an actor's mailbox, or queue a next append with AppendAsync
// (which never waits), but never call Append, Close or anything else that
// waits for the writer. An error returned at once (invalid
// events, events.ErrOverloaded when the queue is full, a closed or
// read-only store) means the append was not queued and done is not called.
//
// It spares the caller a goroutine blocked per append in flight: the actor
// layer's appends go straight from the actor to the writer and back.
func (s *Store) AppendAsync(stream string, expected events.ExpectedRevision, evs []events.EventData, done func(events.AppendResult, error)) error {
	if done == nil {
		return fmt.Errorf("embedded: append %s: nil done: %w", stream, events.ErrInvalidEvent)
	}
	req, err := s.newReq(stream, expected, evs)
	if err != nil {
		return err
	}
	req.callback = done
	return s.enqueue(req)
}

func (s *Store) enqueue(req *appendReq) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch {
	case s.closed:
		return events.ErrClosed
	case s.w == nil:
		return fmt.Errorf("embedded: append %s: %w", req.stream, events.ErrReadOnly)
	}
	req.queued = time.Now()
	select {
	case s.w.queue <- req:
		return nil
	default:
		s.metrics.overloads.Inc()
		return fmt.Errorf("embedded: append %s: %w", req.stream, events.ErrOverloaded)
	}
}

func (s *Store) newReq(stream string, expected events.ExpectedRevision, evs []events.EventData) (*appendReq, error) {
	if stream == "" {
		return nil, fmt.Errorf("embedded: append: empty stream name: %w", events.ErrInvalidEvent)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("embedded: append %s: no events: %w", stream, events.ErrInvalidEvent)
	}
	req := &appendReq{stream: stream, expected: expected}
	if len(evs) == 1 {
		req.rows = req.one[:]
	} else {
		req.rows = make([]row, len(evs))
	}
	for i, ev := range evs {
		r, err := s.newRow(ev)
		if err != nil {
			return nil, fmt.Errorf("embedded: append %s event %d: %w", stream, i, err)
		}
		req.rows[i] = r
	}
	return req, nil
}

func (s *Store) newRow(ev events.EventData) (row, error) {
	if ev.Type == "" {
		return row{}, fmt.Errorf("empty type: %w", events.ErrInvalidEvent)
	}
	if !events.ObjectData(ev) {
		return row{}, fmt.Errorf("%s: data is not a JSON object: %w", ev.Type, events.ErrInvalidEvent)
	}
	id, err := eventID(ev.ID)
	if err != nil {
		return row{}, err
	}
	md := encodeMetadata(ev.Metadata)
	if n := len(ev.Data) + len(md) + len(ev.Type); n > s.cfg.MaxEventBytes {
		return row{}, fmt.Errorf("%s: %d bytes, limit %d: %w", ev.Type, n, s.cfg.MaxEventBytes, events.ErrTooLarge)
	}
	return row{id: id, typ: ev.Type, data: bytes.Clone(ev.Data), metadata: md, md: ev.Metadata}, nil
}

// eventID returns id in canonical form or, when empty, a new time-ordered
// UUID (version 7): new ids then land at the end of the id index instead of
// on a random page of it, which keeps a batch's writes to few pages. An id
// already canonical (as the actors make them) is kept as it is.
func eventID(id string) (string, error) {
	if canonicalUUID(id) {
		return id, nil
	}
	if id == "" {
		u, err := uuid.NewV7()
		if err != nil {
			return "", fmt.Errorf("new event id: %w", err)
		}
		return u.String(), nil
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("event id %q is not a UUID: %w", id, events.ErrInvalidEvent)
	}
	return u.String(), nil
}

// canonicalUUID reports whether id is a UUID as uuid.UUID.String writes
// one: 36 characters, lower-case hex digits in groups of 8-4-4-4-12
// separated by hyphens.
func canonicalUUID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := range len(id) {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
