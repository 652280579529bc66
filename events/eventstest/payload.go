package eventstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/events"
)

func payloadCases() []testCase {
	return []testCase{
		{"LargeEvent", testLargeEvent},
		{"UnknownTypeIsStored", testUnknownType},
		{"KnownTypeAndMetadataRoundTrip", testKnownType},
		{"InvalidEventsRejected", testInvalid},
	}
}

// LargeEventBytes is the data size every store must accept.
const LargeEventBytes = 1 << 20

func testLargeEvent(e *env) {
	body := strings.Repeat("x", LargeEventBytes-len(`{"s":""}`))
	data := json.RawMessage(`{"s":"` + body + `"}`)
	st := e.stream("large")
	e.mustAppend(st, events.NoStream(), events.EventData{Type: TestEventType, Data: data}, ev(1))
	recs := e.mustReadStream(st, events.ReadStreamOptions{})
	if len(recs) != 2 || len(recs[0].Data) != LargeEventBytes {
		e.t.Fatalf("read %d events, first of %d bytes", len(recs), len(recs[0].Data))
	}
	if !bytes.Equal(recs[0].Data, data) {
		e.t.Fatal("large event read back different")
	}
}

func testUnknownType(e *env) {
	st := e.stream("unknown")
	d := events.EventData{Type: "FromTheFuture", Data: json.RawMessage(`{"what":"new"}`)}
	e.mustAppend(st, events.NoStream(), d)
	recs := e.mustReadStream(st, events.ReadStreamOptions{})
	if len(recs) != 1 || recs[0].Type != "FromTheFuture" {
		e.t.Fatalf("read back %+v", recs)
	}
	_, err := events.Decode(recs[0])
	wantErr(e.t, "decode of an unknown type", err, events.ErrUnknownEventType)
}

func testKnownType(e *env) {
	st := e.stream("chat-known")
	at := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	want := events.ChatCreated{ChatID: "c1", Title: "ops ✓", Members: []string{"alice", "bob"}, CreatedBy: "alice", At: at}
	md := events.Metadata{CorrelationID: "corr-1", CausationID: "cause-1", Node: "node-a"}
	e.mustAppend(st, events.NoStream(), events.MustEncode(want, md))
	recs := e.mustReadStream(st, events.ReadStreamOptions{})
	got, err := events.Decode(recs[0])
	if err != nil {
		e.t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		e.t.Fatalf("decoded %+v, want %+v", got, want)
	}
	if recs[0].Metadata != md {
		e.t.Fatalf("metadata %+v, want %+v", recs[0].Metadata, md)
	}
}

func testInvalid(e *env) {
	good := ev(0)
	bad := map[string]struct {
		stream string
		ev     events.EventData
	}{
		"empty type":   {e.stream("bad"), events.EventData{Data: good.Data}},
		"empty stream": {"", good},
		"data array":   {e.stream("bad"), events.EventData{Type: TestEventType, Data: json.RawMessage(`[1,2]`)}},
		"data string":  {e.stream("bad"), events.EventData{Type: TestEventType, Data: json.RawMessage(`"x"`)}},
		"not json":     {e.stream("bad"), events.EventData{Type: TestEventType, Data: json.RawMessage(`{"a":`)}},
		"no data":      {e.stream("bad"), events.EventData{Type: TestEventType}},
	}
	for name, b := range bad {
		_, err := e.s.Append(e.ctx, b.stream, events.Any(), good, b.ev)
		if !errors.Is(err, events.ErrInvalidEvent) {
			e.t.Fatalf("%s: error %v, want ErrInvalidEvent", name, err)
		}
	}
	e.checkLen(e.stream("bad"), 0)
}
