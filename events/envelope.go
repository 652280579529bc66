package events

import (
	"encoding/json"
	"time"
)

// Metadata travels with every event. CorrelationID names the client command
// (or other cause) that started a chain of events; CausationID names the
// event or command that directly caused this one. Replay uses both to follow
// a chain.
type Metadata struct {
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	// Node is the linkup node that appended the event.
	Node string `json:"node,omitempty"`
}

// EventData is an event about to be appended: its type, JSON data and
// metadata. ID is a UUID string; the store generates one when it is empty.
type EventData struct {
	ID       string
	Type     string
	Data     json.RawMessage
	Metadata Metadata

	encoded json.RawMessage // the JSON object Encode wrote as Data (ObjectData)
}

// RecordedEvent is an event as the store holds it: the envelope around
// EventData with the stream it belongs to, its revision in that stream
// (0-based), its global position in the log (1-based, strictly increasing in
// store order; 0 means "before the first event") and the time it was stored.
type RecordedEvent struct {
	ID       string          `json:"id"`
	Stream   string          `json:"stream"`
	Revision uint64          `json:"revision"`
	Position uint64          `json:"position"`
	Type     string          `json:"type"`
	Time     time.Time       `json:"time"`
	Data     json.RawMessage `json:"data"`
	Metadata Metadata        `json:"metadata"`
}

// AppendResult tells where the last event of an append landed.
type AppendResult struct {
	// NextExpectedRevision is the revision of the last event written: pass
	// it as Exact(...) to append after it.
	NextExpectedRevision uint64
	// Position is the global position of the last event written.
	Position uint64
}
