package projections

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
)

// TestBurstCommitsFewTransactions appends a burst of 3,200 one-event
// appends from 8 appenders (messages, reads and errors in 8 chats) with
// the runner live: the read-model transactions must number far fewer than
// the events (at most one per 10), the projections must reach the head
// after the burst, and their rows must equal a rebuild's.
func TestBurstCommitsFewTransactions(t *testing.T) {
	dir := t.TempDir()
	st, rm := openStore(t, dir), openRM(t, dir)
	reg := prometheus.NewRegistry()
	startRunner(t, st, rm, reg)
	const appenders, per = 8, 400
	for g := range appenders {
		appendEv(t, st, events.ChatStream(fmt.Sprint("b", g)), events.ChatCreated{ChatID: fmt.Sprint("b", g), Members: []string{"u1", "u2"}, CreatedBy: "u1", At: t0})
	}
	waitCaughtUp(t, st, rm)
	before := map[string]uint64{}
	for _, p := range Default() {
		before[p.Name()] = commits(t, reg, p.Name())
	}
	burst(t, st, appenders, per)
	waitCaughtUp(t, st, rm)
	for _, p := range Default() {
		n := commits(t, reg, p.Name()) - before[p.Name()]
		t.Logf("%s: %d transactions for %d events", p.Name(), n, appenders*per)
		if n*10 > appenders*per {
			t.Errorf("%s: %d transactions for %d events, want at most one per 10", p.Name(), n, appenders*per)
		}
	}
	live := dump(t, rm)
	for _, p := range Default() {
		if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: p}); err != nil {
			t.Fatal(err)
		}
	}
	if rebuilt := dump(t, rm); rebuilt != live {
		t.Fatalf("live rows differ from a rebuild:\n--- live\n%s\n--- rebuilt\n%s", live, rebuilt)
	}
}

// burst has each appender g post per events to chat b<g>, one per append:
// messages with rising seq, every 7th a read by u2, every 10th an error.
func burst(t *testing.T, st events.Store, appenders, per int) {
	var wg sync.WaitGroup
	for g := range appenders {
		wg.Go(func() {
			chat := fmt.Sprint("b", g)
			var seq uint64
			for i := range per {
				var ev events.Event
				switch {
				case i%10 == 9:
					ev = events.ErrorRecorded{ErrorType: fmt.Sprint("e", i%3), Severity: "low", User: "u1", Context: map[string]any{"i": i}, At: t0}
				case i%7 == 6:
					ev = events.ChatRead{ChatID: chat, User: "u2", LastReadSeq: seq, At: t0}
				default:
					seq++
					ev = events.MessagePosted{ChatID: chat, Seq: seq, Sender: "u1", Body: "b", SentAt: t0}
				}
				if _, err := st.Append(context.Background(), events.ChatStream(chat), events.Any(), events.MustEncode(ev)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// commits is the number of read-model transactions the runner committed
// for projection name (the sample count of its batch histogram).
func commits(t *testing.T, reg *prometheus.Registry, name string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "linkup_projection_batch_events" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == name {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}
