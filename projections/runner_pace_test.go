package projections

import (
	"fmt"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
)

// TestPacedBatchTakesEverythingThatCame: with the default pace (one
// transaction a second, up to 20,000 events), 15,000 events committed in
// one append while the runner is live are applied in at most two
// transactions per projection (what the subscription had queued when the
// first came, then the rest a second later), and every one is applied:
// chat c's latest seq is the last message's. With the former defaults
// (250 ms, batches of 5,000) they took at least three. One append makes
// the events arrive together, from the store's in-memory feed, however
// slowly the machine appends them. Not under the race detector: applying
// 15,000 events there took 28 to 51 s on the loaded machine, and the pace
// is a default, not a concurrency change.
func TestPacedBatchTakesEverythingThatCame(t *testing.T) {
	if raceEnabled {
		t.Skip("15,000 events take tens of seconds under the race detector")
	}
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
	const n = 15_000
	evs := make([]events.Event, n)
	for i := range evs {
		seq := uint64(i + 1)
		evs[i] = events.MessagePosted{ChatID: "c", Seq: seq, MessageID: fmt.Sprint("m", seq), Sender: "u1", Body: "b", SentAt: t0}
	}
	appendEv(t, st, events.ChatStream("c"), evs...)
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
