package projections

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/prometheus/client_golang/prometheus"
)

// TestLagGrowsOnlyToItsBound paces the runner so that it would never
// commit again on its own (BatchDelay of an hour) and bounds its lag at 100
// events: after 2,000 events it must catch up to within the bound (full
// batches past it, counted in linkup_projection_over_bound_batches_total)
// and stay behind the head (within the bound, it yields); a batch past
// the bound runs at full speed, without the rests of a paced one.
func TestLagGrowsOnlyToItsBound(t *testing.T) {
	const bound = 100
	dir := t.TempDir()
	st, rm := openStore(t, dir), openRM(t, dir)
	reg := prometheus.NewRegistry()
	r, err := NewRunner(Config{Store: st, ReadModel: rm, Registerer: reg, BatchSize: 50, BatchDelay: time.Hour,
		MaxLagEvents: bound, MaxLag: time.Hour, RetryDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var rests atomic.Int64
	r.slice = time.Nanosecond // a paced batch would rest at its first tick
	r.rest = func(time.Duration) { rests.Add(1) }
	// The creation comes first and alone: the first batch, committed at
	// once, takes it with the catch-up; every later one waits for the
	// bound.
	appendEv(t, st, events.ChatStream("g"), events.ChatCreated{ChatID: "g", Members: []string{"u1"}, CreatedBy: "u1", At: t0})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitCaughtUp(t, st, rm)
	for i := 0; i < 2000; i += 100 {
		evs := make([]events.Event, 100)
		for j := range evs {
			evs[j] = events.MessagePosted{ChatID: "g", Seq: uint64(i + j + 1), Sender: "u1", Body: "b", SentAt: t0}
		}
		appendEv(t, st, events.ChatStream("g"), evs...)
	}
	sts := waitLag(t, st, rm, bound)
	for _, s := range sts {
		if s.LagEvents == 0 {
			t.Errorf("%s reached the head (%d): it should yield within its bound", s.Name, s.Head)
		}
	}
	for _, p := range Default() {
		if n := counterOf(t, reg, "linkup_projection_over_bound_batches_total", p.Name()); n == 0 {
			t.Errorf("%s: no batch counted past the bound", p.Name())
		}
	}
	if n := rests.Load(); n > 0 {
		t.Errorf("batches past the bound rested %d times, want full speed", n)
	}
}

// waitLag waits until every projection is at most lag events behind.
func waitLag(t *testing.T, st events.Store, rm ReadModel, lag uint64) []Status {
	t.Helper()
	var sts []Status
	near := func() bool {
		var err error
		sts, err = Statuses(context.Background(), st, rm)
		if err != nil {
			t.Fatal(err)
		}
		ok := len(sts) == len(Default())
		for _, s := range sts {
			ok = ok && s.LagEvents <= lag
		}
		return ok
	}
	if !poll.Within(20*time.Second, near) {
		t.Fatalf("projections did not come within %d events of the head: %+v", lag, sts)
	}
	return sts
}

func counterOf(t *testing.T, reg *prometheus.Registry, metric, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == name {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
