package projections

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// TestFastDecodeMatchesGeneric: for 50,000 MessagePosted data, each the
// encoding of a random event (strings with quotes, escapes, HTML
// characters, control characters, invalid UTF-8; seqs up to 2^64-1; times
// with nanoseconds and odd zones) or a mutation of it (members reordered,
// spaces, a member dropped, doubled or renamed, numbers and literals
// changed, the object cut or extended), decodeEvent gives exactly what
// events.Decode (encoding/json) gives: the same value, or an error when
// it errs. The plain shape must take the fast path often, or the test
// proves nothing about it.
func TestFastDecodeMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 4))
	fast := 0
	const n = 50_000
	for i := range n {
		data := randomPostedData(rng)
		if i%2 == 1 {
			data = mutateJSON(rng, data)
		}
		if _, ok := decodePostedFast(data); ok {
			fast++
		}
		sameAsGeneric(t, data)
	}
	if fast < n/5 {
		t.Fatalf("only %d of %d took the fast path", fast, n)
	}
	t.Logf("%d of %d decoded by the fast path", fast, n)
}

// TestAppliedDecodeDropsOnlyUnreadFields: over the same random and
// mutated MessagePosted data, what the projections decode
// (decodeApplied) is what events.Decode gives with message_id, body and
// client_msg_id left empty, or the same error: no data changes from
// applicable to poison or back, and every field a projection reads is
// there.
func TestAppliedDecodeDropsOnlyUnreadFields(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 5))
	light := 0
	for i := range 20_000 {
		data := randomPostedData(rng)
		if i%2 == 1 {
			data = mutateJSON(rng, data)
		}
		rec := events.RecordedEvent{Type: events.TypeMessagePosted, Position: 9, Data: data}
		want, werr := events.Decode(rec)
		got, gerr := decodeApplied(rec)
		if m, ok := want.(events.MessagePosted); ok {
			if g, ok := got.(events.MessagePosted); ok && g.Body == "" && m.Body != "" {
				light++
			}
			m.MessageID, m.Body, m.ClientMsgID = "", "", ""
			want = m
			if g, ok := got.(events.MessagePosted); ok {
				g.MessageID, g.Body, g.ClientMsgID = "", "", ""
				got = g
			}
		}
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) || !reflect.DeepEqual(want, got) {
			t.Fatalf("data %q:\napplied %#v, %v\ngeneric %#v, %v", data, got, gerr, want, werr)
		}
	}
	if light < 2_000 {
		t.Fatalf("only %d events left their body out", light)
	}
}

// FuzzFastDecodeMatchesGeneric: the same comparison on any data.
func FuzzFastDecodeMatchesGeneric(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 1))
	for range 20 {
		f.Add(randomPostedData(rng))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameAsGeneric(t, data) })
}

func sameAsGeneric(t *testing.T, data []byte) {
	t.Helper()
	rec := events.RecordedEvent{Type: events.TypeMessagePosted, Position: 9, Data: data}
	want, werr := events.Decode(rec)
	got, gerr := decodeEvent(rec)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) || !reflect.DeepEqual(want, got) {
		t.Fatalf("data %q:\nfast    %#v, %v\ngeneric %#v, %v", data, got, gerr, want, werr)
	}
	if m, ok := decodePostedFast(data); ok && !reflect.DeepEqual(events.Event(m), want) {
		t.Fatalf("data %q: fast path %#v, generic %#v", data, m, want)
	}
}

func randomPostedData(rng *rand.Rand) []byte {
	ev := events.MessagePosted{ChatID: randomText(rng), Seq: randomSeq(rng), MessageID: randomText(rng),
		Sender: randomText(rng), Body: randomText(rng), ClientMsgID: randomText(rng), SentAt: randomTime(rng)}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

// randomText is mostly plain (the common case), sometimes odd.
func randomText(rng *rand.Rand) string {
	pieces := []string{"a", "chat-1", "user 7", "héllo", "日本", "😀", `"`, `\`, "<", ">", "&", "\n", "\t", "\x00",
		"\x1f", "\x7f", "\u2028", "\xff", "\xc3", "/", "", "Z", "0"}
	if rng.IntN(10) > 0 {
		pieces = pieces[:6]
	}
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func randomSeq(rng *rand.Rand) uint64 {
	switch rng.IntN(5) {
	case 0:
		return 0
	case 1:
		return math.MaxUint64 - uint64(rng.IntN(3))
	default:
		return uint64(rng.IntN(100_000))
	}
}

func randomTime(rng *rand.Rand) time.Time {
	t := time.Unix(rng.Int64N(4_000_000_000), rng.Int64N(1_000_000_000))
	switch rng.IntN(4) {
	case 0:
		return t.UTC()
	case 1:
		return t.In(time.FixedZone("", rng.IntN(50_000)-25_000))
	case 2:
		return t.Truncate(time.Second).UTC()
	}
	return time.Time{}
}

// mutateJSON changes data in one of the ways a stored event could differ
// from what json.Marshal writes.
func mutateJSON(rng *rand.Rand, data []byte) []byte {
	var members []json.RawMessage
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return data
	}
	keys := []string{"chat_id", "seq", "message_id", "sender", "body", "client_msg_id", "sent_at"}
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	values := []string{`"x"`, `1`, `01`, `-1`, `1.0`, `1e2`, `18446744073709551616`, `null`, `true`, `{}`, `[]`,
		`"2026-11-25T10:00:00Z"`, `"2026-11-25T10:00:00"`, `"2026-13-25T10:00:00Z"`, `"a\u0062c"`, `"\ud800"`}
	for _, k := range keys {
		v := obj[k]
		switch rng.IntN(12) {
		case 0: // dropped
			continue
		case 1: // doubled
			members = append(members, member(k, values[rng.IntN(len(values))]))
		case 2: // renamed
			k = strings.ToUpper(k[:1]) + k[1:]
		case 3:
			v = json.RawMessage(values[rng.IntN(len(values))])
		case 4: // an unknown member besides
			members = append(members, member("extra", values[rng.IntN(len(values))]))
		}
		members = append(members, member(k, string(v)))
	}
	var b bytes.Buffer
	sp := func() {
		if rng.IntN(4) == 0 {
			b.WriteString([]string{" ", "\n", "\t", "\r", "  "}[rng.IntN(5)])
		}
	}
	sp()
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			sp()
			b.WriteByte(',')
		}
		sp()
		b.Write(m)
	}
	sp()
	b.WriteByte('}')
	sp()
	out := b.Bytes()
	switch rng.IntN(10) {
	case 0:
		return out[:rng.IntN(len(out)+1)]
	case 1:
		return append(out, []string{"x", "}", ",", "{}", " "}[rng.IntN(5)]...)
	}
	return out
}

func member(k, v string) json.RawMessage {
	kb, _ := json.Marshal(k)
	return json.RawMessage(string(kb) + ":" + v)
}
