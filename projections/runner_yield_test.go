package projections

import (
	"context"
	"fmt"
	"testing"

	"github.com/linkup-chat/linkup/events"
)

// TestBatchYieldsAndCommitsOnce applies one batch of 1,000 messages with a
// runner whose yields are counted: the apply loop must yield the core at
// least once per applyYieldEvery handled events, and at every yield a
// reader must still see the rows and checkpoint of before the batch (the
// slices are one transaction, committed with its checkpoint at the end).
func TestBatchYieldsAndCommitsOnce(t *testing.T) {
	dir := t.TempDir()
	st, rm := openStore(t, dir), openRM(t, dir)
	r, err := NewRunner(Config{Store: st, ReadModel: rm})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := ReadStates{}
	if err := r.commit(ctx, p, recorded(1, events.ChatCreated{ChatID: "y", Members: []string{"u1", "u2"}, CreatedBy: "u1", At: t0})); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	msgs := make([]events.Event, n)
	for i := range msgs {
		msgs[i] = events.MessagePosted{ChatID: "y", Seq: uint64(i + 1), MessageID: fmt.Sprint("m", i+1), Sender: "u1", Body: "b", SentAt: t0}
	}
	yields := 0
	r.gosched = func() {
		yields++
		if cp, err := rm.Checkpoint(ctx, p.Name()); err != nil || cp != 1 {
			t.Errorf("yield %d: a reader sees checkpoint %d (%v), want 1 until the batch commits", yields, cp, err)
		}
		if seq := latestSeq(t, rm, "y"); seq != 0 {
			t.Errorf("yield %d: a reader sees latest seq %d, want 0 until the batch commits", yields, seq)
		}
	}
	if err := r.commit(ctx, p, recorded(2, msgs...)); err != nil {
		t.Fatal(err)
	}
	if yields < n/applyYieldEvery {
		t.Errorf("%d yields for %d events, want at least %d", yields, n, n/applyYieldEvery)
	}
	if cp, err := rm.Checkpoint(ctx, p.Name()); err != nil || cp != n+1 {
		t.Errorf("checkpoint %d (%v) after the batch, want %d", cp, err, n+1)
	}
	if seq := latestSeq(t, rm, "y"); seq != n {
		t.Errorf("latest seq %d after the batch, want %d", seq, n)
	}
}

// recorded makes deliveries of evs at positions from first on, as a
// subscription would hand them to the runner.
func recorded(first uint64, evs ...events.Event) []events.Delivery {
	out := make([]events.Delivery, len(evs))
	for i, ev := range evs {
		d := events.MustEncode(ev)
		pos := first + uint64(i)
		out[i] = events.Delivery{Position: pos, Event: &events.RecordedEvent{
			ID: fmt.Sprint("e", pos), Stream: events.ChatStream("y"), Position: pos, Type: d.Type, Time: t0, Data: d.Data}}
	}
	return out
}

// latestSeq is chat's latest seq as a reader sees it (0 when unknown).
func latestSeq(t *testing.T, rm ReadModel, chat string) uint64 {
	t.Helper()
	states, err := rm.ReadStates(context.Background(), ReadStateQuery{Chat: chat})
	if err != nil {
		t.Fatal(err)
	}
	if len(states) == 0 {
		return 0
	}
	return states[0].LatestSeq
}
