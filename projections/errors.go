package projections

import "errors"

var (
	// ErrPoison is wrapped by a Projection's Apply when it cannot apply an
	// event (data that does not decode, a chat it never saw created, a
	// missing field). The runner records the event in projection_poison with
	// its position and reason, and skips it (see doc.go, "Poison events").
	ErrPoison = errors.New("projections: poison event")

	// ErrInvalidConfig is returned by NewRunner, OpenSQLite and Rebuild when
	// their Config does not validate.
	ErrInvalidConfig = errors.New("projections: invalid config")

	// ErrUnknownProjection is returned by Rebuild and ByName when no
	// projection has the requested name.
	ErrUnknownProjection = errors.New("projections: unknown projection")

	// ErrReadOnly is returned by the SQLite read model's write methods when
	// it was opened with ReadOnly set.
	ErrReadOnly = errors.New("projections: read model is read-only")

	// ErrUnknownItem is returned by Deliveries when the chat has no
	// timeline item with that seq in the read model (unknown, or not
	// projected yet).
	ErrUnknownItem = errors.New("projections: no such timeline item")
)
