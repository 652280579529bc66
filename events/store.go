package events

import (
	"context"
	"iter"
)

// Store is an append-only event log made of named streams, with one global
// order over all of them.
//
// Contract, shared by every implementation and checked by package
// eventstest:
//
//   - All methods are safe for concurrent use by many goroutines.
//   - Append writes events to one stream atomically: all or none. It returns
//     only after the events are durable (a crash after Append returns never
//     loses them). Revisions within a stream start at 0 and rise by one per
//     event with no gap; global positions are strictly increasing in store
//     order, start at 1, and may have gaps. If expected does not hold, Append
//     returns an error wrapping ErrWrongExpectedRevision and writes nothing.
//     When the store's bounded queue is full it returns ErrOverloaded at
//     once instead of stalling. Cancelling ctx before the append is queued
//     abandons it; after that the append may or may not happen.
//   - ReadStream yields a stream's events in revision order (or reverse with
//     Backwards). A stream with no events yields one ErrStreamNotFound.
//   - ReadAll yields events in global position order, starting after
//     opts.After.
//   - Subscribe is a catch-up subscription over all events: it yields every
//     stored event after opts.After (or only new ones with FromEnd) that
//     matches the filter, then one Delivery with CaughtUp set, then live
//     events as they are appended, without gap or duplicate at the boundary.
//     It ends when ctx is cancelled (yielding ctx.Err() once) or when the
//     consumer stops iterating. A slow consumer slows only its own
//     subscription.
//   - Iterators hold no lock across yields: a consumer may call Append from
//     inside a loop over ReadAll or Subscribe.
//   - Close releases resources; methods then return ErrClosed.
type Store interface {
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)
	ReadStream(ctx context.Context, stream string, opts ReadStreamOptions) iter.Seq2[RecordedEvent, error]
	ReadAll(ctx context.Context, opts ReadAllOptions) iter.Seq2[RecordedEvent, error]
	Subscribe(ctx context.Context, opts SubscribeOptions) iter.Seq2[Delivery, error]
	// Head returns the global position of the last stored event (0 when the
	// log is empty).
	Head(ctx context.Context) (uint64, error)
	Close() error
}

// ReadStreamOptions selects part of a stream. Forwards, reading starts at
// revision From (inclusive); Backwards, it starts at From unless FromEnd is
// set, in which case it starts at the last event. Limit 0 means no limit.
type ReadStreamOptions struct {
	From      uint64
	FromEnd   bool
	Backwards bool
	Limit     int
}

// ReadAllOptions selects part of the global log: events with position
// greater than After, in position order, at most Limit (0: no limit).
type ReadAllOptions struct {
	After uint64
	Limit int
	Filter
}

// Filter narrows reads and subscriptions. An empty filter matches every
// event. StreamPrefixes matches events whose stream starts with any of the
// prefixes; EventTypes matches events whose type is one of them; both set
// means both must match.
type Filter struct {
	StreamPrefixes []string
	EventTypes     []string
}

// Matches reports whether ev passes the filter.
func (f Filter) Matches(stream, eventType string) bool {
	return f.matchPrefix(stream) && f.matchType(eventType)
}

func (f Filter) matchPrefix(stream string) bool {
	if len(f.StreamPrefixes) == 0 {
		return true
	}
	for _, p := range f.StreamPrefixes {
		if len(stream) >= len(p) && stream[:len(p)] == p {
			return true
		}
	}
	return false
}

func (f Filter) matchType(t string) bool {
	if len(f.EventTypes) == 0 {
		return true
	}
	for _, et := range f.EventTypes {
		if et == t {
			return true
		}
	}
	return false
}

// SubscribeOptions says where a catch-up subscription starts: after global
// position After, or at the current end of the log with FromEnd.
type SubscribeOptions struct {
	After   uint64
	FromEnd bool
	Filter
}

// Delivery is one item of a subscription: either an event, or (Event nil)
// the mark that the subscription has caught up with the log. Position is the
// position the subscriber may checkpoint after handling this item: the
// event's position, or at the caught-up mark the last position examined
// (which may be past the last matching event when a filter is set).
type Delivery struct {
	Event    *RecordedEvent
	CaughtUp bool
	Position uint64
}
