package embedded

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/linkup-chat/linkup/events"
)

// TestEncodeMetadataMatchesEncodingJSON: the hand-written metadata JSON is
// json.Marshal's, for every combination of empty and non-empty fields and
// strings that need escapes or are not valid UTF-8.
func TestEncodeMetadataMatchesEncodingJSON(t *testing.T) {
	vals := []string{"", "", "req-1", `q"<&>\`, "\xff\x00", "✓\u2028", strings.Repeat("n", 300)}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		md := events.Metadata{CorrelationID: vals[rng.IntN(len(vals))], CausationID: vals[rng.IntN(len(vals))], Node: vals[rng.IntN(len(vals))]}
		want, err := json.Marshal(md)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeMetadata(md); got != string(want) {
			t.Fatalf("encodeMetadata(%+v) = %s, encoding/json %s", md, got, want)
		}
	}
}

// TestEventIDCanonical: an id is stored as uuid.Parse(id).String(), and
// one that does not parse is refused, whether or not it takes the
// shortcut for ids already canonical.
func TestEventIDCanonical(t *testing.T) {
	u := uuid.Must(uuid.NewV7())
	ids := []string{u.String(), strings.ToUpper(u.String()), "{" + u.String() + "}", "urn:uuid:" + u.String(),
		strings.ReplaceAll(u.String(), "-", ""), u.String()[:35] + "g", u.String()[:8] + "x" + u.String()[9:], "", "nope"}
	for _, id := range ids {
		got, err := eventID(id)
		if id == "" {
			if _, perr := uuid.Parse(got); err != nil || perr != nil {
				t.Fatalf("eventID(\"\") = %q, %v", got, err)
			}
			continue
		}
		p, perr := uuid.Parse(id)
		switch {
		case perr != nil && err == nil:
			t.Fatalf("eventID(%q) = %q, want an error", id, got)
		case perr == nil && (err != nil || got != p.String()):
			t.Fatalf("eventID(%q) = %q, %v; want %q", id, got, err, p.String())
		}
	}
}

// TestChunkFor: chunks cover every row once, at most maxExactChunk rows
// go in one statement of their exact size, and larger batches use the
// prepared sizes only.
func TestChunkFor(t *testing.T) {
	for n := 1; n <= 1200; n++ {
		left, stmts := n, 0
		for left > 0 {
			c := chunkFor(left)
			if c < 1 || c > left || (c > maxExactChunk && c != 64 && c != 256) {
				t.Fatalf("chunkFor(%d) = %d (batch of %d)", left, c, n)
			}
			left -= c
			stmts++
		}
		if n <= maxExactChunk && stmts != 1 {
			t.Fatalf("%d rows took %d statements", n, stmts)
		}
	}
}
