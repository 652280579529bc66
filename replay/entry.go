package replay

import (
	"slices"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// Entry is one recorded event as replay shows it: the envelope, its time,
// and (after Decode) the decoded event.
type Entry struct {
	Rec events.RecordedEvent
	// At is the event's own time (see the package comment).
	At time.Time

	ev      events.Event
	decErr  error
	decoded bool
}

// newEntry finds rec's time without decoding the whole event; the full
// decode waits until a filter or a format needs it.
func newEntry(rec events.RecordedEvent) Entry {
	e := Entry{Rec: rec, At: rec.Time}
	if !events.Known(rec.Type) {
		return e
	}
	key := "at"
	if rec.Type == events.TypeMessagePosted {
		key = "sent_at"
	}
	if s, ok := topLevelString(rec.Data, key); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			e.At = t
			return e
		}
	}
	e.Decode() // unusual shape: let the real decoder decide
	return e
}

// Decode decodes the event once. It never fails: an event whose type is
// unknown or whose data does not parse gives a nil event and DecodeErr.
func (e *Entry) Decode() events.Event {
	if e.decoded {
		return e.ev
	}
	e.decoded = true
	e.ev, e.decErr = events.Decode(e.Rec)
	if at := eventTime(e.ev); !at.IsZero() {
		e.At = at
	}
	return e.ev
}

// DecodeErr is why Decode gave no event (nil before Decode or on success).
func (e *Entry) DecodeErr() error { return e.decErr }

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
	case events.MembersAdded:
		return e.At
	case events.MemberRemoved:
		return e.At
	case events.MessageEdited:
		return e.At
	case events.MessageDeleted:
		return e.At
	case events.MessagesDelivered:
		return e.At
	}
	return time.Time{}
}

// Users returns the users an event concerns: the connection's user, the
// sender, the reader, the creator and members, the user of an error, who
// changed the membership and who joined or left, who edited or deleted.
func (e *Entry) Users() []string {
	switch ev := e.Decode().(type) {
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
	case events.MembersAdded:
		return append([]string{ev.By}, ev.Users...)
	case events.MemberRemoved:
		return []string{ev.By, ev.User}
	case events.MessageEdited:
		return []string{ev.By}
	case events.MessageDeleted:
		return []string{ev.By}
	case events.MessagesDelivered:
		return []string{ev.User}
	}
	return nil
}

// ChatID returns the chat an event belongs to: its chat stream, or the
// chat_id in an error's context.
func (e *Entry) ChatID() string {
	if id, ok := events.ChatIDFromStream(e.Rec.Stream); ok {
		return id
	}
	if e.Rec.Type != events.TypeErrorRecorded {
		return ""
	}
	if ev, ok := e.Decode().(events.ErrorRecorded); ok {
		if id, ok := ev.Context["chat_id"].(string); ok {
			return id
		}
	}
	return ""
}

// userKeys names, per event type, the one top-level field that holds its
// user, so that a --user scan need not decode every event. Types with
// several users (ChatCreated) are absent and always decoded.
var userKeys = map[string]string{
	events.TypeConnectionOpened:     "user_id",
	events.TypeConnectionClosed:     "user_id",
	events.TypeForceReconnectIssued: "user_id",
	events.TypeMessagePosted:        "sender",
	events.TypeChatRead:             "user",
	events.TypeErrorRecorded:        "user",
	events.TypeMessageEdited:        "by",
	events.TypeMessageDeleted:       "by",
	events.TypeMessagesDelivered:    "user",
}

// HasUser reports whether user is among e.Users(), reading one field when
// it can.
func (e *Entry) HasUser(user string) bool {
	if key, ok := userKeys[e.Rec.Type]; ok && !e.decoded {
		if s, ok := topLevelString(e.Rec.Data, key); ok {
			return s == user
		}
	}
	return slices.Contains(e.Users(), user)
}
