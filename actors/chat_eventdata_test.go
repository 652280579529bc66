package actors

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// eventText is a random string of up to n runes drawn from what breaks
// JSON writers: quotes, backslashes, HTML characters, control
// characters, U+2028, invalid UTF-8, multi-byte runes.
func eventText(r *rand.Rand, n int) string {
	parts := []string{"a", "Z", "0", " ", `"`, `\`, "<", ">", "&", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "日本", "\u2028", "\u2029", "\xff", "\xe2\x80", "😀"}
	var b strings.Builder
	for range r.IntN(n + 1) {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

// TestPostedDataMatchesEncode: a MessagePosted's event data written
// without reflection is events.Encode's, byte for byte, over random
// strings and times (years past 9999 and zone offsets of 24 hours, which
// encoding/json refuses, included: the event is then refused alike).
func TestPostedDataMatchesEncode(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 23))
	o := origin{Corr: "k-1:7"}
	for i := range 20_000 {
		at := time.Unix(0, r.Int64()).UTC()
		switch r.IntN(5) {
		case 0:
			at = at.In(time.FixedZone("z", r.IntN(2*25*3600)-25*3600))
		case 1:
			at = time.Date(10_000+r.IntN(10), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		ev := events.MessagePosted{ChatID: eventText(r, 8), Seq: r.Uint64() >> r.IntN(64), MessageID: eventText(r, 8), Sender: eventText(r, 6),
			Body: eventText(r, 40), ClientMsgID: eventText(r, 8), SentAt: at}
		got, gerr := chatEventData(ev, o, "n1")
		want, werr := events.Encode(ev, events.Metadata{CorrelationID: o.Corr, CausationID: o.Corr, Node: "n1"})
		if (gerr == nil) != (werr == nil) || !bytes.Equal(got.Data, want.Data) || got.Type != want.Type || got.Metadata != want.Metadata {
			t.Fatalf("event %d %#v:\nfast    %s %+v %v\nencode  %s %+v %v", i, ev, got.Data, got.Metadata, gerr, want.Data, want.Metadata, werr)
		}
		if _, fast := postedData(ev); !fast && gerr == nil {
			t.Fatalf("event %d: the fast path refused an event events.Encode takes", i)
		}
	}
}
