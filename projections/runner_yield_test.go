package projections

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// TestBatchYieldsAndCommitsOnce applies batches of 1,000 messages with a
// runner whose yields and rests are counted: the apply loop must yield the
// core at least once per applyYieldEvery handled events; a paced batch
// must rest between slices and an unpaced one (past a lag bound, or
// catching up) never; and at every yield and rest a reader must still see
// the rows and checkpoint of before the batch (the slices are one
// transaction, committed with its checkpoint at the end).
func TestBatchYieldsAndCommitsOnce(t *testing.T) {
	dir := t.TempDir()
	st, rm := openStore(t, dir), openRM(t, dir)
	r, err := NewRunner(Config{Store: st, ReadModel: rm})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := ReadStates{}
	if err := r.commit(ctx, p, recorded(1, events.ChatCreated{ChatID: "y", Members: []string{"u1", "u2"}, CreatedBy: "u1", At: t0}), false); err != nil {
		t.Fatal(err)
	}
	r.slice = time.Nanosecond // every slice is over at its first yield
	const n = 1000
	var yields, rests int
	var cp uint64 = 1
	unseen := func(what string) {
		if got, err := rm.Checkpoint(ctx, p.Name()); err != nil || got != cp {
			t.Errorf("%s: a reader sees checkpoint %d (%v), want %d until the batch commits", what, got, err, cp)
		}
		if seq := latestSeq(t, rm, "y"); seq+1 != cp {
			t.Errorf("%s: a reader sees latest seq %d, want %d until the batch commits", what, seq, cp-1)
		}
	}
	r.gosched = func() { yields++; unseen("yield") }
	r.rest = func(time.Duration) { rests++; unseen("rest") }
	for _, paced := range []bool{false, true} {
		yields, rests = 0, 0
		if err := r.commit(ctx, p, recorded(cp+1, messages(cp, n)...), paced); err != nil {
			t.Fatal(err)
		}
		cp += n
		switch {
		case yields+rests < n/applyYieldEvery:
			t.Errorf("paced %v: %d yields and %d rests for %d events, want at least %d", paced, yields, rests, n, n/applyYieldEvery)
		case paced && rests == 0:
			t.Errorf("paced batch: no rest in %d events", n)
		case !paced && rests > 0:
			t.Errorf("unpaced batch: %d rests, want none", rests)
		}
		if got, err := rm.Checkpoint(ctx, p.Name()); err != nil || got != cp {
			t.Errorf("checkpoint %d (%v) after the batch, want %d", got, err, cp)
		}
		if seq := latestSeq(t, rm, "y"); seq+1 != cp {
			t.Errorf("latest seq %d after the batch, want %d", seq, cp-1)
		}
	}
}

// messages are n messages of chat y after seq.
func messages(seq uint64, n int) []events.Event {
	msgs := make([]events.Event, n)
	for i := range msgs {
		s := seq + uint64(i)
		msgs[i] = events.MessagePosted{ChatID: "y", Seq: s, MessageID: fmt.Sprint("m", s), Sender: "u1", Body: "b", SentAt: t0}
	}
	return msgs
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
