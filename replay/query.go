package replay

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Query selects the events of a timeline. Zero fields select everything;
// set fields must all match.
type Query struct {
	// Since and Until bound the event's time, both inclusive.
	Since, Until time.Time
	// User matches events that concern the user (Entry.Users).
	User string
	// Chat matches the chat's stream and errors whose context names it.
	Chat string
	// Connection matches the connection's stream (its lifecycle and the
	// errors seen on it).
	Connection string
	// Types matches events of any of these types.
	Types []string
	// Correlation matches events whose metadata correlation_id is this.
	Correlation string
}

// Validate reports contradictory or impossible queries: a window that ends
// before it starts, a window that starts in the future, an unknown type.
func (q Query) Validate(now time.Time) error {
	switch {
	case !q.Since.IsZero() && q.Since.After(now):
		return fmt.Errorf("replay: since %s: %w (now is %s)", stamp(q.Since), ErrFutureTime, stamp(now))
	case !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since):
		return fmt.Errorf("replay: until %s is before since %s: %w", stamp(q.Until), stamp(q.Since), ErrBadQuery)
	}
	for _, t := range q.Types {
		if !events.Known(t) {
			return fmt.Errorf("replay: event type %q: %w (known: %s)", t, ErrBadQuery, strings.Join(knownTypes, ", "))
		}
	}
	return nil
}

var knownTypes = []string{
	events.TypeConnectionOpened, events.TypeConnectionClosed, events.TypeChatCreated,
	events.TypeMessagePosted, events.TypeChatRead, events.TypeErrorRecorded, events.TypeForceReconnectIssued,
	events.TypeMembersAdded, events.TypeMemberRemoved, events.TypeMessageEdited, events.TypeMessageDeleted,
	events.TypeMessagesDelivered,
}

// matchEnvelope checks what needs no decoding.
func (q Query) matchEnvelope(rec events.RecordedEvent) bool {
	if len(q.Types) > 0 && !slices.Contains(q.Types, rec.Type) {
		return false
	}
	if q.Correlation != "" && rec.Metadata.CorrelationID != q.Correlation {
		return false
	}
	return q.Connection == "" || rec.Stream == events.ConnectionStream(q.Connection)
}

// matchEntry checks the rest, on the decoded entry.
func (q Query) matchEntry(e *Entry) bool {
	switch {
	case !q.Since.IsZero() && e.At.Before(q.Since):
		return false
	case !q.Until.IsZero() && e.At.After(q.Until):
		return false
	case q.Chat != "" && e.ChatID() != q.Chat:
		return false
	case q.User != "" && !e.HasUser(q.User):
		return false
	}
	return true
}

// stamp formats a time the way replay prints times.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
