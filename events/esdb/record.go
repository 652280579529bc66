package esdb

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/linkup-chat/linkup/events"
)

// isSystem reports whether an event belongs to EventStoreDB itself: its
// stream or its type starts with "$" (system streams, metadata streams
// "$$...", link events "$>", projections' "$ce-..." and so on).
func isSystem(stream, eventType string) bool {
	return strings.HasPrefix(stream, "$") || strings.HasPrefix(eventType, "$")
}

// fromRecorded maps the client's recorded event onto linkup's envelope.
func fromRecorded(r *esdb.RecordedEvent) events.RecordedEvent {
	return events.RecordedEvent{
		ID:       r.EventID.String(),
		Stream:   r.StreamID,
		Revision: r.EventNumber,
		Position: r.Position.Commit,
		Type:     r.EventType,
		Time:     r.CreatedDate,
		Data:     json.RawMessage(r.Data),
		Metadata: decodeMetadata(r.UserMetadata),
	}
}

// toEventData checks one event and maps it onto the client's form. It
// returns the event and its size in bytes (data plus metadata).
func toEventData(ev events.EventData) (esdb.EventData, int, error) {
	if err := checkEvent(ev); err != nil {
		return esdb.EventData{}, 0, err
	}
	id, err := eventID(ev.ID)
	if err != nil {
		return esdb.EventData{}, 0, err
	}
	md := encodeMetadata(ev.Metadata)
	out := esdb.EventData{EventID: id, EventType: ev.Type, ContentType: esdb.ContentTypeJson, Data: ev.Data, Metadata: md}
	return out, len(ev.Data) + len(md) + len(ev.Type), nil
}

func checkEvent(ev events.EventData) error {
	switch {
	case ev.Type == "":
		return fmt.Errorf("empty type: %w", events.ErrInvalidEvent)
	case strings.HasPrefix(ev.Type, "$"):
		return fmt.Errorf("type %q: types starting with $ are reserved by EventStoreDB: %w", ev.Type, events.ErrInvalidEvent)
	case !isJSONObject(ev.Data):
		return fmt.Errorf("%s: data is not a JSON object: %w", ev.Type, events.ErrInvalidEvent)
	}
	return nil
}

// eventID parses id as a UUID, or returns a new random one when empty.
func eventID(id string) (uuid.UUID, error) {
	if id == "" {
		return uuid.New(), nil
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("event id %q is not a UUID: %w", id, events.ErrInvalidEvent)
	}
	return u, nil
}

func isJSONObject(b []byte) bool {
	t := strings.TrimLeft(string(b), " \t\r\n")
	return strings.HasPrefix(t, "{") && json.Valid(b)
}
