package contract

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/protocol"
)

// TestProtocolQueryTypesMatchSchemas: the /v1 answers as package protocol
// declares them (protocol/query.go), filled in both ways (set and null or
// absent fields), encode to JSON that docs/openapi.yaml accepts: the rows
// the read models return are the rows the contract names. (The timeline
// answers are left out: openapi.yaml's Timeline schema, "proposed", lacks
// scan_limited and the JSONL objects' id, revision, metadata, stored_at.)
func TestProtocolQueryTypesMatchSchemas(t *testing.T) {
	api := loadSpec(t, "openapi.yaml")
	at := time.Date(2026, 11, 30, 12, 0, 0, 5, time.UTC)
	next, conn := "17", "k1"
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
		{"APIError", protocol.APIError{Error: protocol.APIErrorBody{Code: "invalid_parameter", Parameter: "limit", Message: "m"}}},
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
