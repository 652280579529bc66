package replay

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestTimeOrderedWindow: with TimeOrdered, seeking to --since and stopping
// past --until give exactly what a full scan gives, while reading fewer
// events.
func TestTimeOrderedWindow(t *testing.T) {
	dir := t.TempDir()
	s := newSession(t, dir)
	var times []time.Time
	for i := range 40 {
		now := time.Now().UTC()
		times = append(times, now)
		s.append(events.ConnectionStream("k"), events.ErrorRecorded{ErrorType: "x", Message: "m", Severity: "low", ConnectionID: "k", At: now}, events.Metadata{})
		if i%10 == 9 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	s.store.Close()
	q := Query{Since: times[12], Until: times[25]}
	scan := openReplay(t, dir, false)
	full := positions(t, scan, q)
	r := openReplay(t, dir, true)
	r.cfg.Slack = 5 * time.Millisecond
	ordered := positions(t, r, q)
	if len(full) == 0 || !slices.Equal(full, ordered) {
		t.Fatalf("full scan %v, time-ordered %v", full, ordered)
	}
	if a, b := testutil.ToFloat64(r.metrics.scanned), testutil.ToFloat64(scan.metrics.scanned); a >= b {
		t.Fatalf("time-ordered read %v events, full scan %v", a, b)
	}
}

func positions(t *testing.T, r *Replayer, q Query) []uint64 {
	var out []uint64
	for e, err := range r.Timeline(context.Background(), q) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Rec.Position)
	}
	return out
}
