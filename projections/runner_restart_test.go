package projections

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
)

// freshDump projects the whole log of st into a new read model by Rebuild
// and dumps it: the reference a live read model must equal.
func freshDump(t *testing.T, b backend, st events.Store) string {
	t.Helper()
	rm := b.openNew(t)
	for _, p := range Default() {
		if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: p}); err != nil {
			t.Fatal(err)
		}
	}
	return dump(t, rm)
}

// appendTraffic appends n errors and n messages in chat "busy" (created
// first if create), with reads now and then.
func appendTraffic(t testing.TB, st events.Store, from, n int, create bool) {
	t.Helper()
	if create {
		appendEv(t, st, events.ChatStream("busy"), events.ChatCreated{ChatID: "busy", Members: []string{"u1", "u2"}, CreatedBy: "u1", At: t0})
	}
	for i := from; i < from+n; i++ {
		appendEv(t, st, events.ErrorStream("k9"), events.ErrorRecorded{ErrorType: fmt.Sprint("t", i%3), Severity: "low", User: "u1",
			ConnectionID: "k9", Context: map[string]any{}, At: t0.Add(time.Duration(i) * time.Minute)})
		appendEv(t, st, events.ChatStream("busy"), events.MessagePosted{ChatID: "busy", Seq: uint64(i + 1), Sender: "u1", SentAt: t0})
		if i%4 == 0 {
			appendEv(t, st, events.ChatStream("busy"), events.ChatRead{ChatID: "busy", User: "u2", LastReadSeq: uint64(i), At: t0})
		}
	}
}

func TestRestartResumesWithoutLossOrDuplicate(t *testing.T) {
	forEachBackend(t, testRestartResumesWithoutLossOrDuplicate)
}

func testRestartResumesWithoutLossOrDuplicate(t *testing.T, b backend) {
	st := openStore(t, t.TempDir())
	writeScript(t, st)
	appendTraffic(t, st, 0, 50, true)

	loc := b.fresh(t)
	rm1 := b.openAt(t, loc)
	r, _ := NewRunner(Config{Store: st, ReadModel: rm1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	appendTraffic(t, st, 50, 50, false)
	cancel() // stop wherever it is: mid-catch-up or live
	<-done
	rm1.Close()

	appendTraffic(t, st, 100, 50, false)
	rm2 := b.openAt(t, loc) // reopen, as after a restart
	startRunner(t, st, rm2, nil)
	waitCaughtUp(t, st, rm2)
	if got, want := dump(t, rm2), freshDump(t, b, st); got != want {
		t.Fatalf("after restart rows differ from a rebuild:\n--- got\n%s\n--- want\n%s", got, want)
	}
}

func TestCommitIsIdempotentByPosition(t *testing.T) {
	forEachBackend(t, testCommitIsIdempotentByPosition)
}

func testCommitIsIdempotentByPosition(t *testing.T, b backend) {
	st, rm := openStore(t, t.TempDir()), b.openNew(t)
	writeScript(t, st)
	var batch []events.Delivery
	for rec, err := range st.ReadAll(context.Background(), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, events.Delivery{Event: &rec, Position: rec.Position})
	}
	r, _ := NewRunner(Config{Store: st, ReadModel: rm})
	for _, p := range Default() {
		for range 2 { // the same batch twice, as after a crash before the consumer noticed the commit
			if err := r.commit(context.Background(), p, batch, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkGolden(t, "script.golden", dump(t, rm))
}

// metricValue gathers reg and returns the value of series name with
// projection=proj: a gauge's or counter's value, a histogram's count.
func metricValue(t *testing.T, reg *prometheus.Registry, name, proj string) float64 {
	t.Helper()
	v, ok := metricFound(reg, name, proj)
	if !ok {
		t.Fatalf("no series %s{projection=%q}", name, proj)
	}
	return v
}

// metricFound is the value of series name{projection=proj} in reg, and
// whether reg has it.
func metricFound(reg *prometheus.Registry, name, proj string) (float64, bool) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, false
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "projection" && l.GetValue() == proj {
					return m.GetGauge().GetValue() + m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount()), true
				}
			}
		}
	}
	return 0, false
}

func TestLagIsMeasuredAndExported(t *testing.T) {
	forEachBackend(t, testLagIsMeasuredAndExported)
}

func testLagIsMeasuredAndExported(t *testing.T, b backend) {
	st, rm := openStore(t, t.TempDir()), b.openNew(t)
	appendTraffic(t, st, 0, 10, true)
	time.Sleep(10 * time.Millisecond) // time must pass for LagSeconds to be above 0: the pause is the test's
	sts, err := Statuses(context.Background(), st, rm)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sts {
		if s.Checkpoint != 0 || s.LagEvents != s.Head || s.Head == 0 || s.LagSeconds <= 0 {
			t.Fatalf("before projecting: %+v", s)
		}
	}
	reg := prometheus.NewRegistry()
	r := startRunner(t, st, rm, reg)
	waitCaughtUp(t, st, rm)
	appendTraffic(t, st, 10, 5, false) // live events feed the lag histogram
	waitCaughtUp(t, st, rm)
	if _, err := r.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{NameErrors, NameReadStates} {
		if v := metricValue(t, reg, "linkup_projection_lag_events", name); v != 0 {
			t.Errorf("%s lag_events = %v after catching up", name, v)
		}
	}
	if v := metricValue(t, reg, "linkup_projection_event_lag_seconds", NameErrors); v < 5 {
		t.Fatalf("live error events observed in the lag histogram: %v, want >= 5", v)
	}
}

func TestPoisonIsRecordedCountedAndSkipped(t *testing.T) {
	forEachBackend(t, testPoisonIsRecordedCountedAndSkipped)
}

func testPoisonIsRecordedCountedAndSkipped(t *testing.T, b backend) {
	st, rm := openStore(t, t.TempDir()), b.openNew(t)
	writeScript(t, st) // holds three poison events, then good ones after them
	reg := prometheus.NewRegistry()
	r := startRunner(t, st, rm, reg)
	waitCaughtUp(t, st, rm)
	sts, _ := r.Status(context.Background())
	got := map[string]int64{}
	for _, s := range sts {
		got[s.Name] = s.Poisoned
	}
	if got[NameErrors] != 1 || got[NameReadStates] != 2 {
		t.Fatalf("poisoned = %v, want errors 1, read_states 2", got)
	}
	if v := metricValue(t, reg, "linkup_projection_poison_events_total", NameReadStates); v != 2 {
		t.Fatalf("poison metric = %v", v)
	}
	// The good ChatRead after the poison ones was applied.
	states, _ := rm.ReadStates(context.Background(), ReadStateQuery{User: "bob"})
	if len(states) != 2 || states[1].ChatID != "c2" || states[1].LastReadSeq != 9 {
		t.Fatalf("bob's states %+v", states)
	}
}

// TestRebuildWhileLive rebuilds both projections while the runner follows a
// growing log and queries keep answering; the end state equals a rebuild
// from zero.
func TestRebuildWhileLive(t *testing.T) {
	forEachBackend(t, testRebuildWhileLive)
}

func testRebuildWhileLive(t *testing.T, b backend) {
	st, rm := openStore(t, t.TempDir()), b.openNew(t)
	appendTraffic(t, st, 0, 200, true)
	startRunner(t, st, rm, nil)
	var wg sync.WaitGroup
	stopQueries := make(chan struct{})
	wg.Go(func() { appendTraffic(t, st, 200, 200, false) })
	wg.Go(func() {
		for {
			select {
			case <-stopQueries:
				return
			default:
			}
			if _, err := rm.Errors(context.Background(), ErrorQuery{ErrorType: "t1", Limit: 10}); err != nil {
				t.Error("query during rebuild:", err)
				return
			}
		}
	})
	for _, p := range Default() {
		if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: p, BatchSize: 100}); err != nil {
			t.Fatal(err)
		}
	}
	close(stopQueries)
	wg.Wait()
	waitCaughtUp(t, st, rm)
	if got, want := dump(t, rm), freshDump(t, b, st); got != want {
		t.Fatalf("rows after a live rebuild differ from a rebuild from zero:\n--- got\n%s\n--- want\n%s", got, want)
	}
}
