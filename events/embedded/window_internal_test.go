package embedded

import (
	"testing"
	"time"
)

// TestWindowDue checks the window's decision: a batch waits only while
// the window is on, below its target, the mean gap promises at least two
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
		{"exactly two promised", w, 250 * time.Microsecond, 0.5, 1, true},
		{"under two promised", w, 251 * time.Microsecond, 0.5, 1, false},
		{"one promised (2,000/s)", w, 500 * time.Microsecond, 0.5, 1, false},
		{"idle", w, idleGap, 0.5, 1, false},
		{"closed loop: appends after commits", w, 50 * time.Microsecond, 0.1, 1, false},
		{"batch at its target", w, 50 * time.Microsecond, 0.5, 16, false},
		{"window off", -1, 50 * time.Microsecond, 0.5, 1, false},
		{"long window, slow gap", 10 * time.Millisecond, 4 * time.Millisecond, 0.5, 1, true},
	} {
		wn := newWindow(c.max, 16)
		wn.gap, wn.overlap = c.gap, c.overlap
		if got := wn.due(c.n); got != c.want {
			t.Errorf("%s: due(%d) with gap %s, overlap %.2f = %v, want %v", c.name, c.n, c.gap, c.overlap, got, c.want)
		}
	}
}
