package projections

import (
	"fmt"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
)

// TestPacedBatchTakesEverythingThatCame: with the default pace (one
// transaction a second, up to 20,000 events), 12,000 events appended
// right after a commit are applied in at most two transactions per
// projection (one, unless the appends straddle a pace), and every one of
// them is applied: chat c's latest seq is the last message's. With the
// former defaults (250 ms, batches of 5,000) they took at least three.
func TestPacedBatchTakesEverythingThatCame(t *testing.T) {
	dir := t.TempDir()
	st, rm := openStore(t, dir), openRM(t, dir)
	reg := prometheus.NewRegistry()
	startRunner(t, st, rm, reg)
	appendEv(t, st, events.ChatStream("c"), events.ChatCreated{ChatID: "c", Members: []string{"u1", "u2"}, CreatedBy: "u1", At: t0})
	waitCaughtUp(t, st, rm)
	before := map[string]uint64{}
	for _, p := range Default() {
		before[p.Name()] = commits(t, reg, p.Name())
	}
	const n, per = 12_000, 3_000
	var seq uint64
	for range n / per {
		evs := make([]events.Event, per)
		for i := range evs {
			seq++
			evs[i] = events.MessagePosted{ChatID: "c", Seq: seq, MessageID: fmt.Sprint("m", seq), Sender: "u1", Body: "b", SentAt: t0}
		}
		appendEv(t, st, events.ChatStream("c"), evs...)
	}
	waitCaughtUp(t, st, rm)
	for _, p := range Default() {
		got := commits(t, reg, p.Name()) - before[p.Name()]
		t.Logf("%s: %d transactions for %d events", p.Name(), got, n)
		if got > 2 {
			t.Errorf("%s: %d transactions for %d events, want at most 2", p.Name(), got, n)
		}
	}
	states, err := rm.ReadStates(t.Context(), ReadStateQuery{Chat: "c"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.LatestSeq != n {
			t.Errorf("%s: latest seq %d, want %d", s.User, s.LatestSeq, n)
		}
	}
}
