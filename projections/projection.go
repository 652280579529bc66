package projections

import (
	"fmt"

	"github.com/linkup-chat/linkup/events"
)

// Names of the built-in projections (also their checkpoint names).
const (
	NameErrors     = "errors"
	NameReadStates = "read_states"
)

// Projection turns events into read-model rows.
//
// Contract: Apply is called by one goroutine at a time, in global position
// order, inside a Tx that also records the checkpoint; it must be
// idempotent by position (applying an event twice leaves the rows as once).
// An error wrapping ErrPoison means the event cannot be applied: the runner
// records it and moves on. Any other error aborts the transaction and the
// runner retries from the checkpoint.
type Projection interface {
	Name() string
	// Handles reports whether the projection reads events of type t;
	// events of other types only advance the checkpoint.
	Handles(eventType string) bool
	// EventTypes lists the types Handles accepts, so that a rebuild can ask
	// the store for those only.
	EventTypes() []string
	Apply(tx Tx, rec events.RecordedEvent) error
}

// Default returns the built-in projections: the error log, read states and
// (v1.1) deliveries.
func Default() []Projection { return []Projection{ErrorLog{}, ReadStates{}, Deliveries{}} }

// ByName returns the built-in projection called name.
func ByName(name string) (Projection, error) {
	for _, p := range Default() {
		if p.Name() == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w: %q (known: %s, %s, %s)", ErrUnknownProjection, name, NameErrors, NameReadStates, NameDeliveries)
}

// poison wraps a reason as an ErrPoison error.
func poison(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPoison, fmt.Sprintf(format, args...))
}

// decode parses rec as T, or reports it as poison.
func decode[T events.Event](rec events.RecordedEvent) (T, error) {
	var zero T
	ev, err := decodeApplied(rec)
	if err != nil {
		return zero, poison("%v", err)
	}
	v, ok := ev.(T)
	if !ok {
		return zero, poison("%s decoded as %T", rec.Type, ev)
	}
	return v, nil
}
