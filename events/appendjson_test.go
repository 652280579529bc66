package events

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fastTypes are the types appendJSON writes itself.
var fastTypes = []Event{MessagePosted{}, ChatRead{}, MessagesDelivered{}, MessageEdited{}, MessageDeleted{},
	ConnectionOpened{}, ConnectionClosed{}}

// TestAppendJSONMatchesEncodingJSON fills every field of each hand-encoded
// type with random values (strings with escapes, invalid UTF-8, empty
// strings for omitempty; times in odd zones) and compares the JSON with
// encoding/json's: a field added to a type but not to its appendJSON, or an
// escape done differently, fails it.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, proto := range fastTypes {
		for range 3000 {
			ev := randomEvent(rng, proto)
			want, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendJSON(ev)
			if !ok || string(got) != string(want) {
				t.Fatalf("%T: appendJSON = %s (ok %v)\nencoding/json  %s", ev, got, ok, want)
			}
		}
	}
}

// TestEncodeRefusesWhatEncodingJSONRefuses: a time encoding/json cannot
// write fails Encode with its error, and pointers to events (which
// appendJSON leaves to encoding/json) encode as before.
func TestEncodeRefusesWhatEncodingJSONRefuses(t *testing.T) {
	for _, tm := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 24*3600))} {
		_, err := Encode(MessagePosted{ChatID: "c", SentAt: tm})
		if err == nil || !strings.Contains(err.Error(), "MarshalJSON") {
			t.Fatalf("Encode with time %v: %v", tm, err)
		}
	}
	d, err := Encode(&ChatRead{ChatID: "c", At: at})
	if err != nil || !json.Valid(d.Data) || d.Type != TypeChatRead {
		t.Fatalf("Encode(*ChatRead) = %+v, %v", d, err)
	}
}

var randomStrings = []string{"", "", "c1", "alice", `say "hi" <b>&</b>`, "tab\tnew\nline\x00", "✓ 日本 🎉", "\xff\xc3", "sep\u2028\u2029",
	strings.Repeat("long body ", 40)}

var randomZones = []*time.Location{time.UTC, time.FixedZone("p", 5*3600+1800), time.FixedZone("m", -7*3600), time.Local}

// randomEvent returns a value of proto's type with every field random.
func randomEvent(rng *rand.Rand, proto Event) Event {
	v := reflect.New(reflect.TypeOf(proto)).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(randomStrings[rng.IntN(len(randomStrings))])
		case reflect.Uint64:
			f.SetUint([]uint64{0, 1, rng.Uint64(), ^uint64(0)}[rng.IntN(4)])
		case reflect.Struct: // time.Time
			tm := time.Unix(rng.Int64N(1<<35), rng.Int64N(1e9)*int64(rng.IntN(2))).In(randomZones[rng.IntN(len(randomZones))])
			f.Set(reflect.ValueOf(tm))
		default:
			panic("randomEvent: field kind " + f.Kind().String())
		}
	}
	return v.Interface().(Event)
}

func BenchmarkEncodeMessagePosted(b *testing.B) {
	ev := MessagePosted{ChatID: "c1", Seq: 42, MessageID: "0193a1b2-0000-7000-8000-000000000000", Sender: "user-1",
		Body: "hello, this is a chat message of ordinary length", ClientMsgID: "req-1", SentAt: time.Now().UTC()}
	md := Metadata{CorrelationID: "req-1", CausationID: "req-1", Node: "node-1"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(ev, md); err != nil {
			b.Fatal(err)
		}
	}
}
