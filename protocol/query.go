package protocol

import (
	"encoding/json"
	"time"
)

// The analyst query API (PROTOCOL.md section 6, docs/openapi.yaml): every
// GET /v1/... request's parameters and every answer's body, as sent. The
// read models (package projections, SQLite and PostgreSQL) return these
// types, the event-log backend of /v1/timeline builds them, and transport
// encodes them as they are: no row of the API is declared twice. JSON
// names are in the tags; encoding/json writes the fields in this order.

// ItemList is the body {"items": [...]} of GET /v1/errors/hourly
// (ErrorCount), /v1/read-states (ReadState) and /v1/projections
// (ProjectionStatus). Items is never null on the wire: NewItemList makes
// a nil slice empty.
type ItemList[T any] struct {
	Items []T `json:"items"`
}

// NewItemList wraps items, a nil slice as [].
func NewItemList[T any](items []T) ItemList[T] {
	if items == nil {
		items = []T{}
	}
	return ItemList[T]{Items: items}
}

// ErrorQuery holds GET /v1/errors' parameters (error_type, severity,
// user, connection_id, since, until, cursor, limit); empty fields match
// everything. Since is inclusive, Until exclusive. Cursor (0: the first
// page) selects entries older than the one it names (ids below it).
// Limit 0 means DefaultErrorLimit; above MaxErrorLimit it is capped.
type ErrorQuery struct {
	ErrorType    string
	Severity     string
	User         string
	ConnectionID string
	Since, Until time.Time
	Cursor       uint64
	Limit        int
}

// ErrorPage is the body of GET /v1/errors: {"items": [...],
// "next_cursor": "17" or null}. Items are newest first; NextCursor is the
// id of the page's last item when more may follow, null at the end.
type ErrorPage struct {
	Items      []ErrorItem `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

// ErrorItem is one ErrorRecorded of GET /v1/errors: "id" (the event's
// global position, as a decimal string), "error_type", "message",
// "severity", "user" and "connection_id" (absent when unknown),
// "context", "at".
type ErrorItem struct {
	ID           string         `json:"id"`
	ErrorType    string         `json:"error_type"`
	Message      string         `json:"message"`
	Severity     string         `json:"severity"`
	User         string         `json:"user,omitempty"`
	ConnectionID string         `json:"connection_id,omitempty"`
	Context      map[string]any `json:"context"`
	At           time.Time      `json:"at"`
}

// ErrorCountQuery holds GET /v1/errors/hourly's parameters (error_type,
// since, until; extension); the zero values match everything.
type ErrorCountQuery struct {
	ErrorType    string
	Since, Until time.Time
}

// ErrorCount is one item of GET /v1/errors/hourly: "hour", "error_type",
// "count" (the errors of one type recorded in one hour). The answer is
// ordered by hour then type, at most MaxErrorCounts items.
type ErrorCount struct {
	Hour      time.Time `json:"hour"`
	ErrorType string    `json:"error_type"`
	Count     int64     `json:"count"`
}

// ReadStateQuery holds GET /v1/read-states' parameters: exactly one of
// user and chat.
type ReadStateQuery struct {
	User, Chat string
}

// ReadState is one item of GET /v1/read-states: one member's read
// position in one chat, "user", "chat_id", "last_read_seq", "latest_seq"
// and "unread" (package chat's UnreadItems). By user the answer is
// ordered by chat, by chat by user; at most MaxReadStates items.
type ReadState struct {
	User        string `json:"user"`
	ChatID      string `json:"chat_id"`
	LastReadSeq uint64 `json:"last_read_seq"`
	LatestSeq   uint64 `json:"latest_seq"`
	Unread      uint64 `json:"unread"`
}

// ProjectionStatus is one item of GET /v1/projections (and a line of
// `linkup projections status`): how far one projection has got, "name",
// "checkpoint", "head", "lag_events", "lag_seconds" (age of the oldest
// unprojected event; extension), "updated_at" (null before the first
// commit) and "poisoned" (events skipped as poison; extension).
type ProjectionStatus struct {
	Name       string     `json:"name"`
	Checkpoint uint64     `json:"checkpoint"`
	Head       uint64     `json:"head"`
	LagEvents  uint64     `json:"lag_events"`
	LagSeconds float64    `json:"lag_seconds"`
	UpdatedAt  *time.Time `json:"updated_at"`
	Poisoned   int64      `json:"poisoned"`
}

// DeliveriesQuery holds GET /v1/deliveries' parameters (v1.1): chat and
// seq name one timeline item.
type DeliveriesQuery struct {
	Chat string
	Seq  uint64
}

// Deliveries is the body of GET /v1/deliveries (v1.1): the delivery audit
// of one timeline item, "chat_id", "seq", "posted_at" and "items", one per
// member at that seq, by user (at most MaxDeliveryItems).
type Deliveries struct {
	ChatID   string         `json:"chat_id"`
	Seq      uint64         `json:"seq"`
	PostedAt time.Time      `json:"posted_at"`
	Items    []DeliveryItem `json:"items"`
}

// DeliveryItem is one item of Deliveries: what happened to the item for
// one member, "user", "delivered_at", "delivered_connection_id" and
// "read_at", each null where it never happened.
type DeliveryItem struct {
	User                  string     `json:"user"`
	DeliveredAt           *time.Time `json:"delivered_at"`
	DeliveredConnectionID *string    `json:"delivered_connection_id"`
	ReadAt                *time.Time `json:"read_at"`
}

// TimelineQuery holds GET /v1/timeline's parameters (v1.1), the
// filters of `linkup replay timeline`: since, until (both inclusive),
// user, chat, connection, correlation, type (Types), cursor, limit. Empty
// fields match everything, set fields must all match. Cursor (0: the
// start of the log) selects events after that store position.
type TimelineQuery struct {
	Since, Until time.Time
	User         string
	Chat         string
	Connection   string
	Correlation  string
	Types        []string
	Cursor       uint64
	Limit        int
}

// TimelinePage is the body of GET /v1/timeline: {"items": [...],
// "next_cursor": "42" or null, "scan_limited": bool}. Items, in store
// order, are the objects of `linkup replay timeline --format jsonl`
// (position, at, stream, type, data, id, revision, metadata, stored_at).
// NextCursor is the last item's position, or, when the page stopped at the
// scan bound (ScanLimited), the last position scanned (the page may then
// hold fewer than the limit, even none); null at the end.
type TimelinePage struct {
	Items       []json.RawMessage `json:"items"`
	NextCursor  *string           `json:"next_cursor"`
	ScanLimited bool              `json:"scan_limited"`
}

// ChainQuery holds GET /v1/timeline/chain's parameters, as `linkup replay
// chain` takes them: exactly one of event (an event id), position (a
// store position) and correlation.
type ChainQuery struct {
	EventID     string
	Position    uint64
	Correlation string
}

// ChainPage is the body of GET /v1/timeline/chain: "root", "items" (a
// client command and every event it caused, in store order) and
// "truncated".
type ChainPage struct {
	Root      string      `json:"root"`
	Items     []ChainItem `json:"items"`
	Truncated bool        `json:"truncated"`
}

// ChainItem is one event of a chain: "depth" in the causation tree and
// "event", the JSONL object.
type ChainItem struct {
	Depth int             `json:"depth"`
	Event json.RawMessage `json:"event"`
}

// APIError is the body of every refused /v1 request: {"error": {"code",
// "parameter" (the parameter at fault for invalid_parameter and not_found, else absent), "message"}}.
type APIError struct {
	Error APIErrorBody `json:"error"`
}

// APIErrorBody is the "error" object of APIError. Code is one of
// invalid_parameter, unauthorized, forbidden, not_found, internal,
// unavailable.
type APIErrorBody struct {
	Code      string `json:"code"`
	Parameter string `json:"parameter,omitempty"`
	Message   string `json:"message"`
}

// Query API limits: a larger limit is capped, not refused.
const (
	DefaultErrorLimit    = 100
	MaxErrorLimit        = 1000
	MaxErrorCounts       = 10000
	MaxReadStates        = 10000
	DefaultTimelineLimit = 100
	MaxTimelineLimit     = 1000
	// MaxDeliveryItems bounds a delivery audit: the chat member cap.
	MaxDeliveryItems = MaxMembers
)
