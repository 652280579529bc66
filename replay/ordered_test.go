package replay

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/prometheus/client_golang/prometheus"
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
		if i%10 == 9 { // groups of events 20 ms apart in time: the window's bounds fall between them
			time.Sleep(20 * time.Millisecond)
		}
	}
	s.store.Close()
	q := Query{Since: times[12], Until: times[25]}
	scan, scanReg := openCounted(t, dir, Config{})
	full := positions(t, scan, q)
	r, reg := openCounted(t, dir, Config{TimeOrdered: true, Slack: 5 * time.Millisecond})
	ordered := positions(t, r, q)
	if len(full) == 0 || !slices.Equal(full, ordered) {
		t.Fatalf("full scan %v, time-ordered %v", full, ordered)
	}
	if a, b := scanned(t, reg), scanned(t, scanReg); a >= b {
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

// openCounted opens dir read-only with its own metrics registry.
func openCounted(t *testing.T, dir string, cfg Config) (*Replayer, *prometheus.Registry) {
	st, err := embedded.Open(embedded.Config{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := prometheus.NewRegistry()
	cfg.Store, cfg.Metrics = st, reg
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r, reg
}

// scanned reads linkup_replay_events_scanned_total.
func scanned(t *testing.T, reg *prometheus.Registry) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "linkup_replay_events_scanned_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no scanned metric")
	return 0
}
