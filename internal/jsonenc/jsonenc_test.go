package jsonenc

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// stringCases are the strings whose escapes differ: controls, quotes,
// HTML characters, the JavaScript line separators, invalid and truncated
// UTF-8, and multi-byte characters at the end.
var stringCases = []string{
	"", "plain", `"quoted"`, `back\slash`, "<b>&amp;</b>", "tab\there", "\b\f\n\r\t",
	"\x00\x01\x1f\x7f", "line\u2028sep\u2029", "✓ ü 日本 🎉", "\xff", "a\xc3", "\xe2\x80", "\xed\xa0\x80",
	"end✓", "\U0010ffff", "\xf4\x90\x80\x80",
}

func TestStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range stringCases {
		checkString(t, s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "<", ">", "&", `"`, `\`, "\n", "\x00", "\x1f", "\x7f", "\xff", "\xc3", "ü", "✓", "\u2028", "\u2029", "🎉", "\xe2\x80", " "}
	for range 20000 {
		var b []byte
		for range rng.IntN(12) {
			b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		}
		checkString(t, string(b))
	}
}

func FuzzString(f *testing.F) {
	for _, s := range stringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkString(t, s) })
}

func checkString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := String([]byte("x"), s); string(got) != "x"+string(want) {
		t.Fatalf("String(%q) = %s, encoding/json %s", s, got[1:], want)
	}
}

func TestTimeMatchesEncodingJSON(t *testing.T) {
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("plus", 5*3600+30*60), time.FixedZone("minus", -(9*3600 + 59)),
		time.FixedZone("edge", 23*3600+59*60), time.FixedZone("over", 24*3600), time.FixedZone("far", -100*3600)}
	base := []time.Time{{}, time.Date(2025, 3, 1, 12, 0, 0, 5, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Now(), time.Unix(0, 0), time.Date(2025, 1, 1, 0, 0, 0, 120000000, time.UTC)}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		base = append(base, time.Unix(rng.Int64N(1<<37)-1<<36, rng.Int64N(1e9)))
	}
	for _, b := range base {
		for _, z := range zones {
			checkTime(t, b.In(z))
		}
	}
}

func checkTime(t *testing.T, tm time.Time) {
	t.Helper()
	want, werr := json.Marshal(tm)
	got, ok := Time([]byte("x"), tm)
	switch {
	case werr != nil && ok:
		t.Fatalf("Time(%v) = %s, encoding/json fails: %v", tm, got[1:], werr)
	case werr != nil && string(got) != "x":
		t.Fatalf("Time(%v) refused but changed dst to %q", tm, got)
	case werr == nil && (!ok || string(got) != "x"+string(want)):
		t.Fatalf("Time(%v) = %s (ok %v), encoding/json %s", tm, got[1:], ok, want)
	}
}

func TestNumbers(t *testing.T) {
	for _, v := range []uint64{0, 1, 7, 1 << 63, ^uint64(0)} {
		want, _ := json.Marshal(v)
		if got := Uint(nil, v); string(got) != string(want) {
			t.Fatalf("Uint(%d) = %s", v, got)
		}
		want, _ = json.Marshal(-int64(v >> 1))
		if got := Int(nil, -int64(v>>1)); string(got) != string(want) {
			t.Fatalf("Int(%d) = %s", -int64(v>>1), got)
		}
	}
}
