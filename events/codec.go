package events

import (
	"encoding/json"
	"fmt"
)

// decoders maps each registered type name to a function that parses its
// JSON data.
var decoders = map[string]func([]byte) (Event, error){
	TypeConnectionOpened:     decodeAs[ConnectionOpened],
	TypeConnectionClosed:     decodeAs[ConnectionClosed],
	TypeChatCreated:          decodeAs[ChatCreated],
	TypeMessagePosted:        decodeAs[MessagePosted],
	TypeChatRead:             decodeAs[ChatRead],
	TypeErrorRecorded:        decodeAs[ErrorRecorded],
	TypeForceReconnectIssued: decodeAs[ForceReconnectIssued],
	TypeUserRevoked:          decodeAs[UserRevoked],
	TypeMembersAdded:         decodeAs[MembersAdded],
	TypeMemberRemoved:        decodeAs[MemberRemoved],
	TypeMessageEdited:        decodeAs[MessageEdited],
	TypeMessageDeleted:       decodeAs[MessageDeleted],
	TypeMessagesDelivered:    decodeAs[MessagesDelivered],
}

func decodeAs[T Event](data []byte) (Event, error) {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return v, nil
}

// Known reports whether t is a registered event type name.
func Known(t string) bool {
	_, ok := decoders[t]
	return ok
}

// Encode turns a domain event into EventData ready to append, with the given
// metadata (optional, at most one).
func Encode(ev Event, md ...Metadata) (EventData, error) {
	data, err := marshal(ev)
	if err != nil {
		return EventData{}, fmt.Errorf("events: encode %s: %w", ev.EventType(), err)
	}
	out := EventData{Type: ev.EventType(), Data: data}
	if len(data) > 0 && data[0] == '{' {
		out.encoded = data
	}
	if len(md) > 0 {
		out.Metadata = md[0]
	}
	return out, nil
}

// marshal is json.Marshal, without reflection for the hot event types
// (appendJSON).
func marshal(ev Event) ([]byte, error) {
	if b, ok := appendJSON(ev); ok {
		return b, nil
	}
	return json.Marshal(ev)
}

// MustEncode is Encode for events whose JSON form cannot fail (all of this
// package's types, whose fields are plain values); it panics otherwise and
// is meant for tests and for types known at compile time.
func MustEncode(ev Event, md ...Metadata) EventData {
	d, err := Encode(ev, md...)
	if err != nil {
		panic(err)
	}
	return d
}

// Decode parses a recorded event into its domain type. An unregistered type
// yields ErrUnknownEventType; data that does not parse yields
// ErrCorruptEvent. It never panics.
func Decode(rec RecordedEvent) (Event, error) {
	dec, ok := decoders[rec.Type]
	if !ok {
		return nil, fmt.Errorf("%w: %q at position %d", ErrUnknownEventType, rec.Type, rec.Position)
	}
	ev, err := dec(rec.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s at position %d: %v", ErrCorruptEvent, rec.Type, rec.Position, err)
	}
	return ev, nil
}
