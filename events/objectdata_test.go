package events

import (
	"encoding/json"
	"testing"
	"time"
)

// TestObjectData checks which data ObjectData accepts: a JSON object,
// whether Encode wrote it or not, and nothing else, including data put in
// place of what Encode wrote (another slice, even of the same length).
func TestObjectData(t *testing.T) {
	enc := MustEncode(MessagePosted{ChatID: "c1", Seq: 1, MessageID: "m1", Sender: "u1", Body: "hi", SentAt: time.Unix(1, 0).UTC()})
	replaced := enc
	replaced.Data = json.RawMessage(`[` + string(enc.Data[1:len(enc.Data)-1]) + `]`) // same length, not an object
	empty := enc
	empty.Data = nil
	for _, c := range []struct {
		name string
		ev   EventData
		want bool
	}{
		{"encoded", enc, true},
		{"by hand", EventData{Type: "T", Data: json.RawMessage(` {"a": [1, 2]}`)}, true},
		{"array", EventData{Type: "T", Data: json.RawMessage(`[1]`)}, false},
		{"truncated", EventData{Type: "T", Data: json.RawMessage(`{"a":`)}, false},
		{"empty", EventData{Type: "T"}, false},
		{"encoded, then replaced", replaced, false},
		{"encoded, then emptied", empty, false},
	} {
		if got := ObjectData(c.ev); got != c.want {
			t.Errorf("%s: ObjectData(%s) = %v, want %v", c.name, c.ev.Data, got, c.want)
		}
	}
}
