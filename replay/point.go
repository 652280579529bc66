package replay

import (
	"fmt"
	"time"
)

// Point is a moment in the log: a time (events whose own time is after At
// are not yet), or a position (events after Position are not yet). The zero
// Point is the present: the whole log.
type Point struct {
	At       time.Time
	Position uint64
}

// String names the point for messages.
func (p Point) String() string {
	switch {
	case !p.At.IsZero():
		return stamp(p.At)
	case p.Position > 0:
		return fmt.Sprintf("position %d", p.Position)
	}
	return "now"
}

// validate refuses a point in the future, or one with both fields set.
func (p Point) validate(now time.Time) error {
	if !p.At.IsZero() && p.Position > 0 {
		return fmt.Errorf("replay: give a time or a position, not both: %w", ErrBadQuery)
	}
	if p.At.After(now) {
		return fmt.Errorf("replay: %s: %w (now is %s)", stamp(p.At), ErrFutureTime, stamp(now))
	}
	return nil
}

// reached reports whether an event at position pos with time at lies after
// the point.
func (p Point) reached(pos uint64, at time.Time) bool {
	if p.Position > 0 {
		return pos > p.Position
	}
	return !p.At.IsZero() && at.After(p.At)
}
