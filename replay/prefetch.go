package replay

import (
	"context"
	"iter"

	"github.com/linkup-chat/linkup/events"
)

// Prefetch bounds: the reading goroutine runs at most prefetchBatches
// batches of prefetchBatch events ahead of the consumer, then waits.
const (
	prefetchBatch   = 256
	prefetchBatches = 4
)

type batch struct {
	recs []events.RecordedEvent
	err  error
}

// prefetch reads open's sequence on its own goroutine, so that the store's
// reading and replay's decoding and folding use both cores. Order and
// errors are kept; when the consumer stops early the reader is cancelled
// and waited for, so no goroutine outlives the loop.
func prefetch(ctx context.Context, open func(context.Context) iter.Seq2[events.RecordedEvent, error]) iter.Seq2[events.RecordedEvent, error] {
	return func(yield func(events.RecordedEvent, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		ch := make(chan batch, prefetchBatches)
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer close(ch)
			readBatches(ctx, open(ctx), ch)
		}()
		defer func() {
			cancel()
			for range ch { // let the reader finish
			}
			<-done
		}()
		for b := range ch {
			for _, rec := range b.recs {
				if !yield(rec, nil) {
					return
				}
			}
			if b.err != nil {
				yield(events.RecordedEvent{}, b.err)
				return
			}
		}
	}
}

// readBatches sends seq's events to ch in batches; an error ends the last
// batch.
func readBatches(ctx context.Context, seq iter.Seq2[events.RecordedEvent, error], ch chan<- batch) {
	cur := make([]events.RecordedEvent, 0, prefetchBatch)
	send := func(b batch) bool {
		select {
		case ch <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for rec, err := range seq {
		if err != nil {
			send(batch{recs: cur, err: err})
			return
		}
		if cur = append(cur, rec); len(cur) == prefetchBatch {
			if !send(batch{recs: cur}) {
				return
			}
			cur = make([]events.RecordedEvent, 0, prefetchBatch)
		}
	}
	if len(cur) > 0 {
		send(batch{recs: cur})
	}
}
