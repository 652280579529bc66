package events

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

var at = time.Date(2025, 3, 1, 12, 0, 0, 5, time.UTC)

// samples holds one value of every registered type.
var samples = []Event{
	ConnectionOpened{ConnectionID: "k1", UserID: "alice", Node: "n1", RemoteAddr: "127.0.0.1:1", UserAgent: "ua", Protocol: "linkup.v1", At: at},
	ConnectionClosed{ConnectionID: "k1", UserID: "alice", Reason: "client_close", MessagesIn: 3, MessagesOut: 4, At: at},
	ChatCreated{ChatID: "c1", Title: "ops", Members: []string{"alice", "bob"}, CreatedBy: "alice", At: at},
	MessagePosted{ChatID: "c1", Seq: 7, MessageID: "m7", Sender: "bob", Body: "hi ✓", ClientMsgID: "x", SentAt: at},
	ChatRead{ChatID: "c1", User: "alice", LastReadSeq: 7, At: at},
	ErrorRecorded{ErrorType: "validation", Message: "bad", Severity: SeverityLow, Context: map[string]any{"frame": "send"}, At: at},
	ForceReconnectIssued{ConnectionID: "k1", UserID: "alice", Reason: "slow_consumer", RetryAfterMs: 500, At: at},
	UserRevoked{User: "bob", Reason: "stolen laptop", RevokedBy: "root", At: at},
	MembersAdded{ChatID: "c1", Seq: 8, Users: []string{"dave"}, Members: []string{"alice", "bob", "dave"}, By: "bob", At: at},
	MemberRemoved{ChatID: "c1", Seq: 9, User: "bob", Members: []string{"alice", "dave"}, By: "alice", At: at},
	MessageEdited{ChatID: "c1", Seq: 10, TargetSeq: 7, Body: "hi, fixed", By: "bob", At: at},
	MessageDeleted{ChatID: "c1", Seq: 11, TargetSeq: 7, By: "alice", At: at},
	MessagesDelivered{ChatID: "c1", User: "bob", ConnectionID: "k2", Node: "n1", DeliveredSeq: 11, At: at},
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, want := range samples {
		t.Run(want.EventType(), func(t *testing.T) {
			md := Metadata{CorrelationID: "c", CausationID: "d", Node: "n"}
			data, err := Encode(want, md)
			if err != nil {
				t.Fatal(err)
			}
			if data.Type != want.EventType() || data.Metadata != md || !Known(data.Type) {
				t.Fatalf("encoded %+v", data)
			}
			got, err := Decode(RecordedEvent{Type: data.Type, Data: data.Data})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoded %#v, want %#v", got, want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		rec  RecordedEvent
		want error
	}{
		{"unknown type", RecordedEvent{Type: "Nope", Data: json.RawMessage(`{}`), Position: 9}, ErrUnknownEventType},
		{"empty type", RecordedEvent{Data: json.RawMessage(`{}`)}, ErrUnknownEventType},
		{"not json", RecordedEvent{Type: TypeChatCreated, Data: json.RawMessage(`{"chat_id":`)}, ErrCorruptEvent},
		{"wrong field type", RecordedEvent{Type: TypeMessagePosted, Data: json.RawMessage(`{"seq":"seven"}`)}, ErrCorruptEvent},
		{"nil data", RecordedEvent{Type: TypeChatRead}, ErrCorruptEvent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Decode(tc.rec)
			if !errors.Is(err, tc.want) || ev != nil {
				t.Fatalf("Decode = %v, %v; want nil, %v", ev, err, tc.want)
			}
		})
	}
}

func TestMustEncodeAllTypes(t *testing.T) {
	for _, ev := range samples {
		if d := MustEncode(ev); !json.Valid(d.Data) || d.Data[0] != '{' {
			t.Fatalf("%s: data %s is not a JSON object", ev.EventType(), d.Data)
		}
	}
	if len(samples) != len(decoders) {
		t.Fatalf("%d samples for %d registered types", len(samples), len(decoders))
	}
}

// FuzzDecode feeds arbitrary type names and data to Decode: it must never
// panic, and must return either an event of the named type or one of its
// two errors.
func FuzzDecode(f *testing.F) {
	for _, ev := range samples {
		f.Add(ev.EventType(), []byte(MustEncode(ev).Data))
	}
	f.Add("Nope", []byte(`{}`))
	f.Add(TypeMessagePosted, []byte(`{"seq":-1}`))
	f.Fuzz(func(t *testing.T, typ string, data []byte) {
		ev, err := Decode(RecordedEvent{Type: typ, Data: data})
		switch {
		case err == nil:
			if ev == nil || ev.EventType() != typ {
				t.Fatalf("Decode(%q) = %#v without error", typ, ev)
			}
		case errors.Is(err, ErrUnknownEventType):
			if Known(typ) {
				t.Fatalf("known type %q reported unknown", typ)
			}
		case !errors.Is(err, ErrCorruptEvent):
			t.Fatalf("Decode(%q, %q): unexpected error %v", typ, data, err)
		}
	})
}
