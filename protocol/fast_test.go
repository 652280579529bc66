package protocol

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// randText is a string of mixed pieces: ASCII, HTML characters, quotes,
// backslashes, control characters, multi-byte runes, U+2028, invalid
// UTF-8.
func randText(r *rand.Rand, max int) string {
	pieces := []string{"a", "Z", "0", " ", "<", ">", "&", `"`, `\`, "\n", "\t", "\x01", "\x1f", "\x7f", "é", "€", "𝄞",
		"\u2028", "\u2029", "\xff", "\xe2\x82", "\ufffd", "/", "'", "\b", "\f"}
	var b strings.Builder
	for range r.IntN(max + 1) {
		if r.IntN(3) == 0 {
			b.WriteString(pieces[r.IntN(len(pieces))])
		} else {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	return b.String()
}

// randJSONValue is a JSON value text for a send_message member: mostly a
// plain string, sometimes an escaped one, a number, null, an object or
// raw invalid bytes.
func randJSONValue(r *rand.Rand, plain string) string {
	switch r.IntN(40) {
	case 0:
		return `"` + randText(r, 20) + `"` // raw, possibly invalid JSON
	case 1:
		b, _ := Encode(AckRead{ChatID: randText(r, 10)}) // an escaped string, taken from encoding/json
		i := bytes.Index(b, []byte(`"chat_id":`))
		return string(b[i+len(`"chat_id":`) : len(b)-len(`,"last_read_seq":0}`)])
	case 2:
		return "12"
	case 3:
		return "null"
	case 4:
		return `{"a":1}`
	default:
		return `"` + plain + `"`
	}
}

func space(r *rand.Rand) string {
	if r.IntN(100) == 0 {
		return "\u00a0" // not JSON whitespace
	}
	return []string{"", "", "", " ", "\n\t", "\r "}[r.IntN(6)]
}

// randSendFrame is a send_message-like frame: the usual members in a
// random order, sometimes one missing, doubled, renamed, extra or of the
// wrong kind, random whitespace, sometimes cut short or trailed.
func randSendFrame(r *rand.Rand) []byte {
	type member struct{ k, v string }
	ms := []member{{"type", `"send_message"`}, {"chat_id", randJSONValue(r, "chat-"+randPlain(r, 8))},
		{"client_msg_id", randJSONValue(r, randPlain(r, 12))}, {"body", randJSONValue(r, randPlain(r, 80))}}
	if r.IntN(2) == 0 {
		ms = append(ms, member{"ref", randJSONValue(r, randPlain(r, 6))})
	}
	switch r.IntN(24) {
	case 0:
		ms = ms[1:] // no type
	case 1:
		ms[0].v = `"send_messages"`
	case 2:
		ms = append(ms, ms[r.IntN(len(ms))]) // doubled
	case 3:
		ms = append(ms, member{[]string{"Body", "CHAT_ID", "extra", "Type"}[r.IntN(4)], `"x"`})
	case 4:
		ms = append(ms[:1], ms[2:]...) // chat_id missing
	case 5:
		ms = append(ms, member{"ref", `"` + strings.Repeat("r", MaxRefBytes+r.IntN(2)) + `"`})
	case 6:
		ms[3].v = `"` + strings.Repeat("b", MaxBodyBytes-1+r.IntN(3)) + `"`
	}
	r.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
	var b strings.Builder
	b.WriteString(space(r) + "{" + space(r))
	for i, m := range ms {
		if i > 0 {
			b.WriteString(space(r) + "," + space(r))
		}
		b.WriteString(`"` + m.k + `"` + space(r) + ":" + space(r) + m.v)
	}
	b.WriteString(space(r) + "}" + space(r))
	out := b.String()
	switch r.IntN(20) {
	case 0:
		out = out[:r.IntN(len(out)+1)]
	case 1:
		out += []string{"x", "{}", ",", "\x00"}[r.IntN(4)]
	}
	return []byte(out)
}

func randPlain(r *rand.Rand, max int) string {
	pieces := []string{"é", "€", "𝄞", "<", "&", " ", "'"}
	var b strings.Builder
	for range r.IntN(max + 1) {
		if r.IntN(6) == 0 {
			b.WriteString(pieces[r.IntN(len(pieces))])
		} else {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	return b.String()
}

// TestFastDecodeMatchesGeneric: over many random send_message-like frames
// the decoder (fast path first) returns exactly what the reflection path
// returns, command or refusal.
func TestFastDecodeMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 17))
	fast := 0
	for i := range 50_000 {
		frame := randSendFrame(r)
		if _, ok := decodeSendFast(frame); ok {
			fast++
		}
		got, want := decode(frame), decodeGeneric(frame)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("frame %d %q:\nfast    %#v\ngeneric %#v", i, frame, got, want)
		}
	}
	if fast < 10_000 {
		t.Fatalf("only %d of 50000 frames took the fast path", fast)
	}
	t.Logf("%d of 50000 frames took the fast path", fast)
}

// FuzzFastDecodeMatchesGeneric is the same property for any bytes.
func FuzzFastDecodeMatchesGeneric(f *testing.F) {
	r := rand.New(rand.NewPCG(2, 17))
	for range 50 {
		f.Add(randSendFrame(r))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		if got, want := decode(frame), decodeGeneric(frame); !reflect.DeepEqual(got, want) {
			t.Fatalf("frame %q:\nfast    %#v\ngeneric %#v", frame, got, want)
		}
	})
}

func randTime(r *rand.Rand) time.Time {
	var t time.Time
	switch r.IntN(8) {
	case 0:
		t = time.Date(r.IntN(12000)-1000, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e9), time.UTC)
	case 1:
		t = time.Time{}
	default:
		t = time.Unix(0, r.Int64N(4e18)).UTC()
	}
	switch r.IntN(4) {
	case 0:
		off := r.IntN(2*26*3600) - 26*3600
		t = t.In(time.FixedZone("z", off))
	case 1:
		t = t.Truncate(time.Second)
	}
	return t
}

// TestFastEncodeMatchesGeneric: message and ack frames with random
// strings and timestamps encode to the same bytes (or the same failure)
// as the reflection path.
func TestFastEncodeMatchesGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 17))
	for i := range 50_000 {
		var f Frame
		if r.IntN(2) == 0 {
			f = MessageFrame{ChatID: randText(r, 12), Seq: r.Uint64() >> r.IntN(64), MessageID: randText(r, 20), Sender: randText(r, 10),
				Body: randText(r, 120), SentAt: randTime(r), ClientMsgID: randText(r, 16)}
		} else {
			ref := ""
			if r.IntN(2) == 0 {
				ref = randText(r, 8)
			}
			f = AckSendMessage{Ref: ref, ChatID: randText(r, 12), ClientMsgID: randText(r, 16), MessageID: randText(r, 20),
				Seq: r.Uint64() >> r.IntN(64), SentAt: randTime(r)}
		}
		got, gerr := Encode(f)
		want, werr := encodeTyped(f.FrameType(), f)
		if !bytes.Equal(got, want) || (gerr == nil) != (werr == nil) {
			t.Fatalf("frame %d %#v:\nfast    %s %v\ngeneric %s %v", i, f, got, gerr, want, werr)
		}
	}
}

func BenchmarkDecodeSendMessage(b *testing.B) {
	frame := []byte(`{"type":"send_message","ref":"r12","chat_id":"chat-0042","client_msg_id":"u7-000123","body":"0123456789012345678901234567890123456789 1764529000123456789"}`)
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			decode(frame)
		}
	})
	b.Run("generic", func(b *testing.B) {
		for b.Loop() {
			decodeGeneric(frame)
		}
	})
}

func BenchmarkEncodeMessage(b *testing.B) {
	f := MessageFrame{ChatID: "chat-0042", Seq: 123456, MessageID: "01JDQ7X8M9N0P1Q2R3S4T5V6W7", Sender: "user-7",
		Body: "0123456789012345678901234567890123456789 1764529000123456789", SentAt: time.Now().UTC(), ClientMsgID: "u7-000123"}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			_, _ = Encode(f)
		}
	})
	b.Run("generic", func(b *testing.B) {
		for b.Loop() {
			_, _ = encodeTyped(f.FrameType(), f)
		}
	})
}
