package projections

import (
	"context"
	"errors"
	"testing"

	"github.com/linkup-chat/linkup/events"
)

// TestDeliveryQueueWakesForWhatIsWanted: the consumer is woken once the
// deliveries it still wants are queued, not before (a put of fewer leaves
// ready empty); a full queue wakes it and makes put wait until a take
// makes room; after the subscription ends, take returns what is left,
// then the error that ended it.
func TestDeliveryQueueWakesForWhatIsWanted(t *testing.T) {
	ctx := context.Background()
	q := newDeliveryQueue(4)
	d := func(pos uint64) events.Delivery { return events.Delivery{Position: pos} }
	batch, err := q.take(nil, 10, 3)
	if err != nil || len(batch) != 0 {
		t.Fatalf("empty take: %v, %v", batch, err)
	}
	for pos := uint64(1); pos <= 2; pos++ {
		if err := q.put(ctx, d(pos)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-q.ready:
		t.Fatal("woken with 2 of the 3 wanted")
	default:
	}
	if err := q.put(ctx, d(3)); err != nil {
		t.Fatal(err)
	}
	<-q.ready // 3 wanted, 3 queued
	if batch, _ = q.take(nil, 2, 0); len(batch) != 2 || batch[1].Position != 2 {
		t.Fatalf("take 2: %v", batch)
	}
	for pos := uint64(4); pos <= 6; pos++ {
		if err := q.put(ctx, d(pos)); err != nil {
			t.Fatal(err)
		}
	}
	<-q.ready // full
	put := make(chan error)
	go func() { put <- q.put(ctx, d(7)) }()
	if batch, _ = q.take(nil, 1, 0); len(batch) != 1 || batch[0].Position != 3 {
		t.Fatalf("take 1: %v", batch)
	}
	if err := <-put; err != nil {
		t.Fatal(err)
	}
	ended := errors.New("gone")
	q.end(ended)
	batch, err = q.take(nil, 10, 0)
	if err != ended || len(batch) != 4 || batch[0].Position != 4 || batch[3].Position != 7 {
		t.Fatalf("take after end: %v, %v", batch, err)
	}
	if n := q.len(); n != 0 {
		t.Fatalf("%d left", n)
	}
}
