package events

import "errors"

var (
	// ErrWrongExpectedRevision is returned by Store.Append when the stream's
	// current revision does not match the expected revision.
	ErrWrongExpectedRevision = errors.New("events: wrong expected revision")

	// ErrStreamNotFound is returned by Store.ReadStream (through its
	// iterator) when the stream has no events.
	ErrStreamNotFound = errors.New("events: stream not found")

	// ErrUnknownEventType is returned by Decode when the event's type is not
	// registered in this package.
	ErrUnknownEventType = errors.New("events: unknown event type")

	// ErrCorruptEvent is returned by Decode when the event's data does not
	// parse as the JSON of its registered type.
	ErrCorruptEvent = errors.New("events: corrupt event data")

	// ErrInvalidEvent is returned by Store.Append when an event has no type,
	// its data is not a JSON object, or the stream name is empty.
	ErrInvalidEvent = errors.New("events: invalid event")

	// ErrOverloaded is returned by Store.Append when the store's bounded
	// queue of pending appends is full. The append was not stored; the
	// caller may retry later.
	ErrOverloaded = errors.New("events: store overloaded")

	// ErrClosed is returned by every Store method after Close.
	ErrClosed = errors.New("events: store closed")

	// ErrReadOnly is returned by Store.Append on a store opened read-only
	// (replay and other tools that must never write).
	ErrReadOnly = errors.New("events: store is read-only")

	// ErrTooLarge is returned by Store.Append when an event exceeds the
	// store's size limit.
	ErrTooLarge = errors.New("events: event too large")
)
