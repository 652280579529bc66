package gctarget

import "testing"

// The figures of a linkup node (docs/BENCHMARKS.md): 19,000 idle
// connections answer pings at ~0.3–0.6 MB/s over a ~33 MB live heap;
// 200 chats at 2 msg/s per client allocate ~25 MB/s over ~28 MB.
const (
	idleLive = 33 << 20
	busyLive = 28 << 20
	markCost = 3e-9
)

func TestDecide(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		current int
		s       Sample
		want    int
	}{
		{"idle falls to Min", Config{}, 100, Sample{Rate: 300e3, Peak: 500e3, Live: idleLive, MarkCost: markCost}, 25},
		{"busy rises to Max at once", Config{}, 25, Sample{Rate: 25e6, Peak: 25e6, Live: busyLive, MarkCost: markCost}, 100},
		{"busy stays at Max", Config{}, 100, Sample{Rate: 20e6, Peak: 25e6, Live: busyLive, MarkCost: markCost}, 100},
		{"a burst in the window holds the percent", Config{}, 100, Sample{Rate: 300e3, Peak: 25e6, Live: idleLive, MarkCost: markCost}, 100},
		{"a ping burst raises part way", Config{}, 25, Sample{Rate: 5e6, Peak: 5e6, Live: idleLive, MarkCost: markCost}, 50},
		{"between the bands nothing moves (down)", Config{}, 55, Sample{Rate: 2e6, Peak: 4e6, Live: idleLive, MarkCost: markCost}, 55},
		{"the peak band holds a lower rate", Config{}, 40, Sample{Rate: 1.5e6, Peak: 1.5e6, Live: idleLive, MarkCost: markCost}, 40},
		{"no cycle yet: Max", Config{}, 25, Sample{Rate: 0, Peak: 0, Live: 0}, 100},
		{"no allocation: Min", Config{}, 100, Sample{Live: idleLive}, 25},
		{"unknown cost: the default", Config{}, 25, Sample{Rate: 25e6, Peak: 25e6, Live: busyLive}, 100},
		{"own bounds", Config{Min: 50, Max: 200}, 200, Sample{Rate: 300e3, Peak: 300e3, Live: idleLive, MarkCost: markCost}, 50},
		{"own bounds, busy", Config{Min: 50, Max: 200}, 50, Sample{Rate: 100e6, Peak: 100e6, Live: busyLive, MarkCost: markCost}, 200},
		{"a current out of bounds is clamped", Config{}, 400, Sample{Rate: 25e6, Peak: 25e6, Live: busyLive, MarkCost: markCost}, 100},
		{"a cheaper core keeps it higher", Config{BytesPerCore: 8 << 30}, 100, Sample{Rate: 300e3, Peak: 500e3, Live: idleLive, MarkCost: markCost}, 90},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(tc.cfg, tc.current, tc.s); got != tc.want {
				t.Fatalf("Decide(%d, %+v) = %d, want %d", tc.current, tc.s, got, tc.want)
			}
		})
	}
}

// TestDecideSettles: fed the same sample again, Decide returns what it
// returned (no flapping at a steady rate, anywhere on the range).
func TestDecideSettles(t *testing.T) {
	for rate := 1e4; rate < 1e9; rate *= 1.3 {
		s := Sample{Rate: rate, Peak: rate, Live: idleLive, MarkCost: markCost}
		p := Decide(Config{}, 100, s)
		for range 3 {
			if q := Decide(Config{}, p, s); q != p {
				t.Fatalf("rate %.0f: %d then %d", rate, p, q)
			}
		}
		if p%step != 0 || p < DefaultMin || p > DefaultMax {
			t.Fatalf("rate %.0f: %d, want a multiple of %d in [%d, %d]", rate, p, step, DefaultMin, DefaultMax)
		}
	}
}
