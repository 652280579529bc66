package embedded

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestWindowDue checks the window's decision: a batch waits only while
// the window is on, below its target, the mean gap promises at least three
// more appends within the window, and a quarter of the appends land
// during commits. At a gap of half the window or more (one append
// promised, 2,000 appends/s against 0.5 ms) the wait did not pay.
func TestWindowDue(t *testing.T) {
	const w = 500 * time.Microsecond
	for _, c := range []struct {
		name    string
		max     time.Duration
		gap     time.Duration
		overlap float64
		n       int
		want    bool
	}{
		{"busy: five promised", w, 100 * time.Microsecond, 0.5, 1, true},
		{"exactly three promised", w, w / 3, 0.5, 1, true},
		{"under three promised", w, w/3 + 1, 0.5, 1, false},
		{"two promised", w, 250 * time.Microsecond, 0.5, 1, false},
		{"one promised (2,000/s)", w, 500 * time.Microsecond, 0.5, 1, false},
		{"idle", w, idleGap, 0.5, 1, false},
		{"closed loop: appends after commits", w, 50 * time.Microsecond, 0.1, 1, false},
		{"batch at its target", w, 50 * time.Microsecond, 0.5, 16, false},
		{"window off", -1, 50 * time.Microsecond, 0.5, 1, false},
		{"long window, slow gap", 10 * time.Millisecond, 3 * time.Millisecond, 0.5, 1, true},
	} {
		wn := newWindow(c.max, 16)
		wn.gap, wn.overlap = c.gap, c.overlap
		if got := wn.due(c.n); got != c.want {
			t.Errorf("%s: due(%d) with gap %s, overlap %.2f = %v, want %v", c.name, c.n, c.gap, c.overlap, got, c.want)
		}
	}
}

// TestWindowPoissonArrivals feeds the window random (Poisson) arrivals,
// all landing during a commit, from a seeded generator: at 2,000
// appends/s (the chats load at 2 msg/s per client, a mean gap of the
// window) no batch may wait, since a wait there saved no commit and
// delayed its appends; at 10,000 appends/s (10 msg/s per client) nearly
// every batch waits.
func TestWindowPoissonArrivals(t *testing.T) {
	for _, c := range []struct {
		rate        float64
		least, most float64 // share of arrivals after which a batch of one is due
	}{{2000, 0, 0}, {10000, 0.95, 1}} {
		wn := newWindow(500*time.Microsecond, 16)
		rng := rand.New(rand.NewPCG(1, 2))
		at := time.Unix(1_000_000, 0)
		const n = 100_000
		due := 0
		for range n {
			at = at.Add(time.Duration(rng.ExpFloat64() * float64(time.Second) / c.rate))
			wn.committed(at.Add(time.Millisecond)) // a commit runs while it arrives
			wn.arrived(at)
			if wn.due(1) {
				due++
			}
		}
		if share := float64(due) / n; share < c.least || share > c.most {
			t.Errorf("%.0f appends/s: due after %d of %d arrivals (%.3f %%), want between %.1f %% and %.1f %%",
				c.rate, due, n, 100*share, 100*c.least, 100*c.most)
		}
	}
}
