package projections

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseUTCTextMatchesTime: for 200,000 texts near the shape
// parseUTCText takes (valid instants of random years, months, days and
// fractions, and the same with a byte changed, dropped or added),
// whenever parseUTCText accepts one, time.Time's UnmarshalJSON accepts it
// too and gives the same instant in the same zone; and it does accept
// the valid ones.
func TestParseUTCTextMatchesTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	accepted := 0
	for range 200_000 {
		s := randomUTCText(rng)
		if rng.IntN(2) == 0 {
			s = mutateText(rng, s)
		}
		got, ok := parseUTCText([]byte(s))
		var want time.Time
		err := want.UnmarshalJSON([]byte(`"` + s + `"`))
		if !ok {
			continue
		}
		accepted++
		if err != nil {
			t.Fatalf("%q: parseUTCText accepts, time rejects: %v", s, err)
		}
		if !got.Equal(want) || got != want {
			t.Fatalf("%q: parseUTCText %v, time %v", s, got, want)
		}
	}
	if accepted < 50_000 {
		t.Fatalf("only %d accepted", accepted)
	}
}

// TestAppendTimeTextMatchesFormat: formatTime writes what time.Format
// with timeFormat writes, for random instants in any zone (years 0 to
// 9999 by digits, others by time.Format).
func TestAppendTimeTextMatchesFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	zones := []*time.Location{time.UTC, time.FixedZone("x", -5*3600-1800), time.FixedZone("y", 14*3600)}
	for i := range 200_000 {
		var at time.Time
		switch i % 3 {
		case 0:
			at = time.Unix(rng.Int64N(1<<36)-(1<<35), rng.Int64N(1e9))
		case 1:
			at = time.Date(rng.IntN(10_000), time.Month(1+rng.IntN(12)), 1+rng.IntN(31), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e9), time.UTC)
		default:
			at = time.Date(rng.IntN(40_000)-20_000, 1, 1, 0, 0, 0, rng.IntN(1e9), time.UTC)
		}
		at = at.In(zones[rng.IntN(len(zones))])
		if got, want := formatTime(at), at.UTC().Format(timeFormat); got != want {
			t.Fatalf("%v: formatTime %q, Format %q", at, got, want)
		}
	}
}

func randomUTCText(rng *rand.Rand) string {
	s := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", rng.IntN(10_000), 1+rng.IntN(12), 1+rng.IntN(31),
		rng.IntN(24), rng.IntN(60), rng.IntN(60))
	if n := rng.IntN(10); n > 0 {
		s += "." + fmt.Sprintf("%09d", rng.IntN(1e9))[:n]
	}
	return s + "Z"
}

func mutateText(rng *rand.Rand, s string) string {
	b := []byte(s)
	i := rng.IntN(len(b))
	alphabet := "0123456789-:.TZz+ ,"
	switch rng.IntN(3) {
	case 0:
		b[i] = alphabet[rng.IntN(len(alphabet))]
	case 1:
		b = append(b[:i], b[i+1:]...)
	default:
		b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
	}
	return string(b)
}
