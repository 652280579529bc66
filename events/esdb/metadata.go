package esdb

import (
	"encoding/json"

	"github.com/linkup-chat/linkup/events"
)

// wireMetadata is the JSON user metadata of every event this store writes:
// linkup's own keys, and the same ids under EventStoreDB's conventional
// "$correlationId"/"$causationId" so the server's projections and UI see
// them too.
type wireMetadata struct {
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	Node          string `json:"node,omitempty"`
	ESCorrelation string `json:"$correlationId,omitempty"`
	ESCausation   string `json:"$causationId,omitempty"`
}

// encodeMetadata returns md as JSON user metadata.
func encodeMetadata(md events.Metadata) []byte {
	b, _ := json.Marshal(wireMetadata{ // plain strings: cannot fail
		CorrelationID: md.CorrelationID,
		CausationID:   md.CausationID,
		Node:          md.Node,
		ESCorrelation: md.CorrelationID,
		ESCausation:   md.CausationID,
	})
	return b
}

// decodeMetadata reads user metadata written by this store or by another
// EventStoreDB client (only "$correlationId"/"$causationId"). Metadata that
// is not a JSON object decodes to the zero Metadata: foreign events must
// not break a read.
func decodeMetadata(b []byte) events.Metadata {
	var w wireMetadata
	if len(b) == 0 || json.Unmarshal(b, &w) != nil {
		return events.Metadata{}
	}
	return events.Metadata{
		CorrelationID: firstNonEmpty(w.CorrelationID, w.ESCorrelation),
		CausationID:   firstNonEmpty(w.CausationID, w.ESCausation),
		Node:          w.Node,
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
