package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

func TestTopLevelString(t *testing.T) {
	cases := []struct {
		data, key, want string
		ok              bool
	}{
		{`{"at":"x"}`, "at", "x", true},
		{`{"context":{"at":"inner"},"at":"outer"}`, "at", "outer", true},
		{`{"body":"a \"at\":\"no\"","sent_at":"yes"}`, "sent_at", "yes", true},
		{`{"list":[1,{"at":"in"},"]"],"at":"t"}`, "at", "t", true},
		{`{"n":12.5,"b":true,"z":null,"at":"t"}`, "at", "t", true},
		{`{"at":"esc\"aped"}`, "at", "", false},
		{`{"at":5}`, "at", "", false},
		{`{"at":"a","at":"b"}`, "at", "b", true},
		{`{}`, "at", "", false},
		{`{"other":"x"}`, "at", "", false},
		{`[1,2]`, "at", "", false},
		{`{"at":"unterminated`, "at", "", false},
		{`{"a":{"b":"c"`, "at", "", false},
		{``, "at", "", false},
	}
	for _, c := range cases {
		got, ok := topLevelString([]byte(c.data), c.key)
		if got != c.want || ok != c.ok {
			t.Errorf("%s[%s]: got %q %v, want %q %v", c.data, c.key, got, ok, c.want, c.ok)
		}
	}
}

func FuzzTopLevelString(f *testing.F) {
	f.Add([]byte(`{"context":{"at":"x"},"at":"2025-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := topLevelString(data, "at")
		var v map[string]any
		if !ok || json.Unmarshal(data, &v) != nil {
			return
		}
		if s, _ := v["at"].(string); s != got {
			t.Fatalf("%s: scanner %q, decoder %q", data, got, s)
		}
	})
}

// TestJSONLMatchesEncoder: the hand-written line decodes to the same
// values as the envelope.
func TestJSONLMatchesEncoder(t *testing.T) {
	rec := events.RecordedEvent{ID: "id<1>", Stream: "chat-ü\"", Revision: 3, Position: 9, Type: "ChatRead",
		Time: time.Unix(1, 5).UTC(), Data: json.RawMessage("{\n \"a\": 1}"), Metadata: events.Metadata{CausationID: "c&d"}}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	if err := writeJSONL(bw, newEntry(rec)); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	var got jsonlLine
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("%v: %s", err, buf.Bytes())
	}
	want := jsonlLine{Position: 9, At: rec.Time, Stream: rec.Stream, Type: rec.Type, Data: json.RawMessage(`{"a":1}`),
		ID: rec.ID, Revision: 3, Metadata: rec.Metadata, StoredAt: rec.Time}
	if g, w := must(json.Marshal(got)), must(json.Marshal(want)); !bytes.Equal(g, w) {
		t.Fatalf("got  %s\nwant %s", g, w)
	}
}

// jsonlLine is the shape of one FormatJSONL line.
type jsonlLine struct {
	Position uint64          `json:"position"`
	At       time.Time       `json:"at"`
	Stream   string          `json:"stream"`
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	ID       string          `json:"id"`
	Revision uint64          `json:"revision"`
	Metadata events.Metadata `json:"metadata"`
	StoredAt time.Time       `json:"stored_at"`
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
