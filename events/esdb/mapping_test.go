package esdb

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/linkup-chat/linkup/events"
)

func TestToExpected(t *testing.T) {
	tests := []struct {
		in   events.ExpectedRevision
		want esdb.ExpectedRevision
	}{
		{events.Any(), esdb.Any{}},
		{events.NoStream(), esdb.NoStream{}},
		{events.StreamExists(), esdb.StreamExists{}},
		{events.Exact(0), esdb.Revision(0)},
		{events.Exact(41), esdb.Revision(41)},
		{events.ExpectedRevision{}, esdb.Any{}}, // zero value means Any
	}
	for _, tc := range tests {
		if got := toExpected(tc.in); got != tc.want {
			t.Errorf("toExpected(%s) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestServerFilter(t *testing.T) {
	prefixes := []string{"chat-", "connection-"}
	types := []string{"MessagePosted", "ChatRead"}
	tests := []struct {
		name string
		in   events.Filter
		want *esdb.SubscriptionFilter
	}{
		{"none: drop system event types", events.Filter{}, &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Regex: "^[^\\$].*"}},
		{"streams", events.Filter{StreamPrefixes: prefixes}, &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: prefixes}},
		{"types", events.Filter{EventTypes: types}, &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Prefixes: types}},
		{"both: streams on the server", events.Filter{StreamPrefixes: prefixes, EventTypes: types}, &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: prefixes}},
	}
	for _, tc := range tests {
		if got := serverFilter(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: serverFilter = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestVisible(t *testing.T) {
	both := events.Filter{StreamPrefixes: []string{"chat-"}, EventTypes: []string{"ChatRead"}}
	typed := events.Filter{EventTypes: []string{"ChatRead"}}
	tests := []struct {
		f           events.Filter
		stream, typ string
		want        bool
		why         string
	}{
		{events.Filter{}, "chat-1", "ChatRead", true, "user event, no filter"},
		{events.Filter{}, "$settings", "update", false, "system stream"},
		{events.Filter{}, "$$chat-1", "$metadata", false, "metadata stream"},
		{events.Filter{}, "chat-1", "$>", false, "system type in a user stream"},
		{events.Filter{StreamPrefixes: []string{"$"}}, "$stats", "x", false, "a $ prefix filter still hides system events"},
		{both, "chat-1", "ChatRead", true, "both match"},
		{both, "chat-1", "MessagePosted", false, "stream matches, type does not (client-side half)"},
		{both, "errors", "ChatRead", false, "type matches, stream does not"},
		{typed, "chat-1", "ChatReadLater", false, "server prefix match is not type equality"},
	}
	for _, tc := range tests {
		if got := visible(tc.f, tc.stream, tc.typ); got != tc.want {
			t.Errorf("%s: visible(%q, %q) = %v", tc.why, tc.stream, tc.typ, got)
		}
	}
}

func TestPositions(t *testing.T) {
	if _, ok := allFrom(after(0)).(esdb.Start); !ok {
		t.Fatalf("after 0 must read from the start, got %#v", allFrom(after(0)))
	}
	if got := allFrom(after(1234)); got != (esdb.Position{Commit: 1234, Prepare: 1234}) {
		t.Fatalf("after 1234 reads from %#v", got)
	}
	last := after(1000)
	tests := []struct {
		p    esdb.Position
		seen bool
	}{
		{esdb.Position{Commit: 999, Prepare: 999}, true},
		{esdb.Position{Commit: 1000, Prepare: 1000}, true}, // the event at P itself: "after" is strict
		{esdb.Position{Commit: 1000, Prepare: 900}, true},  // legacy transaction sharing commit P
		{esdb.Position{Commit: 1001, Prepare: 1001}, false},
		{esdb.Position{Commit: 5000, Prepare: 4000}, false},
	}
	for _, tc := range tests {
		if got := seen(tc.p, last); got != tc.seen {
			t.Errorf("seen(%+v, after 1000) = %v, want %v", tc.p, got, tc.seen)
		}
	}
	// Resuming inside a legacy transaction: the cursor is the exact pair.
	mid := esdb.Position{Commit: 2000, Prepare: 1500}
	if seen(esdb.Position{Commit: 2000, Prepare: 1600}, mid) || !seen(esdb.Position{Commit: 2000, Prepare: 1400}, mid) {
		t.Fatal("cursor inside a transaction must order by prepare position")
	}
	if before(mid, mid) || !before(esdb.Position{Commit: 10, Prepare: 10}, mid) || before(esdb.Position{Commit: 3000, Prepare: 3000}, mid) {
		t.Fatal("before must be strict")
	}
}

func TestMetadataEncoding(t *testing.T) {
	md := events.Metadata{CorrelationID: "corr-1", CausationID: "cause-1", Node: "node-a"}
	raw := encodeMetadata(md)
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("metadata %s is not a JSON object: %v", raw, err)
	}
	want := map[string]string{"correlation_id": "corr-1", "causation_id": "cause-1", "node": "node-a",
		"$correlationId": "corr-1", "$causationId": "cause-1"}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("encoded %v, want %v", m, want)
	}
	if got := decodeMetadata(raw); got != md {
		t.Fatalf("round trip %+v, want %+v", got, md)
	}
	if got := string(encodeMetadata(events.Metadata{})); got != "{}" {
		t.Fatalf("empty metadata encodes as %s", got)
	}
}

func TestMetadataDecodingForeign(t *testing.T) {
	tests := []struct {
		raw  string
		want events.Metadata
	}{
		{`{"$correlationId":"c","$causationId":"k"}`, events.Metadata{CorrelationID: "c", CausationID: "k"}},
		{`{"correlation_id":"ours","$correlationId":"theirs"}`, events.Metadata{CorrelationID: "ours"}},
		{``, events.Metadata{}},
		{`not json`, events.Metadata{}},
		{`[1,2]`, events.Metadata{}},
		{`{"correlation_id":7}`, events.Metadata{}},
	}
	for _, tc := range tests {
		if got := decodeMetadata([]byte(tc.raw)); got != tc.want {
			t.Errorf("decode %q = %+v, want %+v", tc.raw, got, tc.want)
		}
	}
}

func TestToEventData(t *testing.T) {
	id := "6f1c1e4a-3b2d-4c5e-8f70-0123456789ab"
	d, n, err := toEventData(events.EventData{ID: id, Type: "ChatRead", Data: json.RawMessage(`{"a":1}`),
		Metadata: events.Metadata{CorrelationID: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.EventID.String() != id || d.EventType != "ChatRead" || d.ContentType != esdb.ContentTypeJson || string(d.Data) != `{"a":1}` {
		t.Fatalf("mapped to %+v", d)
	}
	if decodeMetadata(d.Metadata).CorrelationID != "c" || n != len(`{"a":1}`)+len(d.Metadata)+len("ChatRead") {
		t.Fatalf("metadata %s, size %d", d.Metadata, n)
	}
	gen, _, err := toEventData(events.EventData{Type: "T", Data: json.RawMessage(` {}`)})
	if err != nil || gen.EventID == uuid.Nil {
		t.Fatalf("generated id %v, err %v", gen.EventID, err)
	}
}

func TestToEventDataInvalid(t *testing.T) {
	bad := map[string]events.EventData{
		"empty type":  {Data: json.RawMessage(`{}`)},
		"system type": {Type: "$metadata", Data: json.RawMessage(`{}`)},
		"no data":     {Type: "T"},
		"array":       {Type: "T", Data: json.RawMessage(`[1]`)},
		"string":      {Type: "T", Data: json.RawMessage(`"x"`)},
		"truncated":   {Type: "T", Data: json.RawMessage(`{"a":`)},
		"trailing":    {Type: "T", Data: json.RawMessage(`{} {}`)},
		"bad id":      {ID: "not-a-uuid", Type: "T", Data: json.RawMessage(`{}`)},
	}
	for name, ev := range bad {
		if _, _, err := toEventData(ev); !errors.Is(err, events.ErrInvalidEvent) {
			t.Errorf("%s: error %v, want ErrInvalidEvent", name, err)
		}
	}
}

func TestCheckStream(t *testing.T) {
	for _, tc := range []struct {
		stream string
		n      int
		ok     bool
	}{{"chat-1", 1, true}, {"", 1, false}, {"$all", 1, false}, {"$$chat-1", 1, false}, {"chat-1", 0, false}} {
		err := checkStream(tc.stream, tc.n)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, events.ErrInvalidEvent)) {
			t.Errorf("checkStream(%q, %d) = %v", tc.stream, tc.n, err)
		}
	}
}

func TestFromRecorded(t *testing.T) {
	id := uuid.New()
	at := time.Date(2025, 3, 1, 12, 0, 0, 100, time.UTC)
	r := &esdb.RecordedEvent{EventID: id, EventType: "ChatRead", StreamID: "chat-9", EventNumber: 7,
		Position: esdb.Position{Commit: 5120, Prepare: 5120}, CreatedDate: at, Data: []byte(`{"x":1}`),
		UserMetadata: encodeMetadata(events.Metadata{Node: "n1", CausationID: "k"})}
	got := fromRecorded(r)
	want := events.RecordedEvent{ID: id.String(), Stream: "chat-9", Revision: 7, Position: 5120, Type: "ChatRead",
		Time: at, Data: json.RawMessage(`{"x":1}`), Metadata: events.Metadata{Node: "n1", CausationID: "k"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("mapped %+v\nwant   %+v", got, want)
	}
}

func TestStreamCursor(t *testing.T) {
	c := newStreamCursor("s", events.ReadStreamOptions{From: 3, Limit: 700})
	if c.from != esdb.Revision(3) || c.direction() != esdb.Forwards || c.page(512) != 512 {
		t.Fatalf("start %#v page %d", c.from, c.page(512))
	}
	c.got, c.last = 512, 514
	if !c.advance(512, 512) || c.from != esdb.Revision(515) || c.page(512) != 188 {
		t.Fatalf("second page from %#v size %d", c.from, c.page(512))
	}
	c.got = 700
	if c.advance(188, 188) {
		t.Fatal("limit reached: no more pages")
	}
	b := newStreamCursor("s", events.ReadStreamOptions{Backwards: true, FromEnd: true})
	if _, ok := b.from.(esdb.End); !ok || b.direction() != esdb.Backwards {
		t.Fatalf("backwards from end starts at %#v", b.from)
	}
	b.got, b.last = 2, 0
	if b.advance(2, 2) {
		t.Fatal("revision 0 reached backwards: no more pages")
	}
	if _, ok := newStreamCursor("s", events.ReadStreamOptions{}).from.(esdb.Start); !ok {
		t.Fatal("forwards from 0 starts at Start")
	}
	if short := newStreamCursor("s", events.ReadStreamOptions{}); short.advance(3, 512) {
		t.Fatal("a short page ends the read")
	}
}

func TestConfigValidate(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no url":        {},
		"neg backoff":   {URL: "esdb://h:2113", ResubscribeBackoff: -1},
		"neg inflight":  {URL: "esdb://h:2113", MaxInflightAppends: -1},
		"neg page size": {URL: "esdb://h:2113", PageSize: -5},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, cfg)
		}
	}
	d := Config{URL: "esdb://h:2113", ResubscribeBackoff: time.Minute}.withDefaults()
	if d.MaxResubscribeBackoff != time.Minute || d.PageSize != DefaultPageSize || d.MaxAppendBytes != DefaultMaxAppendBytes {
		t.Fatalf("defaults %+v", d)
	}
	if !strings.HasPrefix(Config{}.Validate().Error(), "esdb: config:") {
		t.Fatal("config errors name the package")
	}
}
