package replay

import (
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Entry is one recorded event as replay shows it: the envelope, the
// decoded event (nil when its type is unknown or its data does not parse,
// DecodeErr saying which) and its time.
type Entry struct {
	Rec       events.RecordedEvent
	Event     events.Event
	DecodeErr error
	// At is the event's own time (see the package comment).
	At time.Time
}

// newEntry decodes rec. It never fails: an event that does not decode is
// still an entry, shown with its raw data.
func newEntry(rec events.RecordedEvent) Entry {
	e := Entry{Rec: rec, At: rec.Time}
	ev, err := events.Decode(rec)
	if err != nil {
		e.DecodeErr = err
		return e
	}
	e.Event = ev
	if at := eventTime(ev); !at.IsZero() {
		e.At = at
	}
	return e
}

// eventTime is the time an event carries in its data.
func eventTime(ev events.Event) time.Time {
	switch e := ev.(type) {
	case events.ConnectionOpened:
		return e.At
	case events.ConnectionClosed:
		return e.At
	case events.ChatCreated:
		return e.At
	case events.MessagePosted:
		return e.SentAt
	case events.ChatRead:
		return e.At
	case events.ErrorRecorded:
		return e.At
	case events.ForceReconnectIssued:
		return e.At
	}
	return time.Time{}
}

// Users returns the users an event concerns: the connection's user, the
// sender, the reader, the creator and members, the user of an error.
func (e Entry) Users() []string {
	switch ev := e.Event.(type) {
	case events.ConnectionOpened:
		return []string{ev.UserID}
	case events.ConnectionClosed:
		return []string{ev.UserID}
	case events.ForceReconnectIssued:
		return []string{ev.UserID}
	case events.MessagePosted:
		return []string{ev.Sender}
	case events.ChatRead:
		return []string{ev.User}
	case events.ChatCreated:
		return append([]string{ev.CreatedBy}, ev.Members...)
	case events.ErrorRecorded:
		return []string{ev.User}
	}
	return nil
}

// ChatID returns the chat an event belongs to: its chat stream, or the
// chat_id in an error's context.
func (e Entry) ChatID() string {
	if id, ok := events.ChatIDFromStream(e.Rec.Stream); ok {
		return id
	}
	if ev, ok := e.Event.(events.ErrorRecorded); ok {
		if id, ok := ev.Context["chat_id"].(string); ok {
			return id
		}
	}
	return ""
}

// ConnectionID returns the connection an event belongs to, if any.
func (e Entry) ConnectionID() string {
	if len(e.Rec.Stream) > len(events.ConnectionStreamPrefix) &&
		e.Rec.Stream[:len(events.ConnectionStreamPrefix)] == events.ConnectionStreamPrefix {
		return e.Rec.Stream[len(events.ConnectionStreamPrefix):]
	}
	return ""
}
