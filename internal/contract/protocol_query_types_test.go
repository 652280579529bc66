package contract

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/replay"
)

// TestProtocolQueryTypesMatchSchemas: the /v1 answers as package protocol
// declares them (protocol/query.go), filled in both ways (set and null or
// absent fields), encode to JSON that docs/openapi.yaml accepts: the rows
// the read models return are the rows the contract names. The timeline
// answers carry the objects replay's JSONL format writes (jsonlItems), in
// every form that format has.
func TestProtocolQueryTypesMatchSchemas(t *testing.T) {
	api := loadSpec(t, "openapi.yaml")
	at := time.Date(2026, 11, 30, 12, 0, 0, 5, time.UTC)
	next, conn := "17", "k1"
	items := jsonlItems(t, at)
	cases := []struct {
		schema string
		v      any
	}{
		{"ErrorPage", protocol.ErrorPage{Items: []protocol.ErrorItem{}}},
		{"ErrorPage", protocol.ErrorPage{NextCursor: &next, Items: []protocol.ErrorItem{
			{ID: "17", ErrorType: "invalid_payload", Message: "m", Severity: "low", Context: map[string]any{"ref": "1"}, At: at},
			{ID: "18", ErrorType: "not_member", Message: "m", Severity: "high", User: "bob", ConnectionID: "k1", Context: map[string]any{}, At: at},
		}}},
		{"ErrorCounts", protocol.NewItemList([]protocol.ErrorCount(nil))},
		{"ErrorCounts", protocol.NewItemList([]protocol.ErrorCount{{Hour: at.Truncate(time.Hour), ErrorType: "invalid_payload", Count: 3}})},
		{"ReadStates", protocol.NewItemList([]protocol.ReadState{{User: "bob", ChatID: "c", LastReadSeq: 1, LatestSeq: 4, Unread: 2}})},
		{"Projections", protocol.NewItemList([]protocol.ProjectionStatus{
			{Name: "errors", Checkpoint: 3, Head: 5, LagEvents: 2, LagSeconds: 0.5, UpdatedAt: &at, Poisoned: 1},
			{Name: "deliveries"},
		})},
		{"Deliveries", protocol.Deliveries{ChatID: "c", Seq: 1, PostedAt: at, Items: []protocol.DeliveryItem{
			{User: "alice", DeliveredAt: &at, DeliveredConnectionID: &conn, ReadAt: &at},
			{User: "bob"},
		}}},
		{"Timeline", protocol.TimelinePage{Items: []json.RawMessage{}}},
		{"Timeline", protocol.TimelinePage{Items: items, NextCursor: &next}},
		{"Timeline", protocol.TimelinePage{Items: []json.RawMessage{}, NextCursor: &next, ScanLimited: true}},
		{"Chain", protocol.ChainPage{Root: "r", Items: []protocol.ChainItem{}}},
		{"Chain", protocol.ChainPage{Root: "r", Items: []protocol.ChainItem{{Depth: 0, Event: items[0]}, {Depth: 2, Event: items[1]}}, Truncated: true}},
		{"APIError", protocol.APIError{Error: protocol.APIErrorBody{Code: "invalid_parameter", Parameter: "limit", Message: "m"}}},
		{"APIError", protocol.APIError{Error: protocol.APIErrorBody{Code: "not_found", Parameter: "chat", Message: "m"}}},
		{"APIError", protocol.APIError{Error: protocol.APIErrorBody{Code: "not_found", Message: "m"}}},
	}
	for _, c := range cases {
		raw, err := json.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(api.schema(t, "#/components/schemas/"+c.schema), raw); err != nil {
			t.Errorf("%s %s: %v", c.schema, raw, err)
		}
	}
}

// jsonlItems formats events as `linkup replay timeline --format jsonl`
// (and so /v1/timeline) does: one with every metadata field, one with
// none, one whose stored data is not JSON (written as a string) and one
// with no data (null).
func jsonlItems(t *testing.T, at time.Time) []json.RawMessage {
	t.Helper()
	recs := []events.RecordedEvent{
		{ID: "e1", Stream: "chat-ops", Revision: 4, Position: 7, Type: events.TypeMessageEdited, Time: at,
			Data:     json.RawMessage(`{"chat_id":"ops","seq":3,"target_seq":1,"body":"b","by":"alice","at":"2026-11-30T12:00:00Z"}`),
			Metadata: events.Metadata{CorrelationID: "c:4", CausationID: "c:4", Node: "n1"}},
		{ID: "e2", Stream: "connection-k1", Position: 8, Type: events.TypeConnectionOpened, Time: at, Data: json.RawMessage(`{"connection_id":"k1"}`)},
		{ID: "e3", Stream: "s", Position: 9, Type: "Foreign", Time: at, Data: json.RawMessage("not\njson")},
		{ID: "e4", Stream: "s", Position: 10, Type: "Foreign", Time: at},
	}
	var buf bytes.Buffer
	n, err := replay.Print(&buf, replay.FormatJSONL, func(yield func(replay.Entry, error) bool) {
		for _, r := range recs {
			if !yield(replay.Entry{Rec: r, At: r.Time}, nil) {
				return
			}
		}
	})
	if err != nil || n != len(recs) {
		t.Fatalf("replay.Print: %d, %v", n, err)
	}
	var out []json.RawMessage
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		out = append(out, line)
	}
	return out
}
