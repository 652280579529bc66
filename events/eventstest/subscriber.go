package eventstest

import (
	"context"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// waitTimeout bounds each wait for a subscription's next item.
const waitTimeout = 15 * time.Second

type item struct {
	d   events.Delivery
	err error
}

// sub runs a subscription in its own goroutine and hands its items over a
// channel, so that the test can wait for them with a timeout.
type sub struct {
	e      *env
	items  chan item
	cancel context.CancelFunc
	done   chan struct{}
}

func (e *env) subscribe(opts events.SubscribeOptions) *sub {
	ctx, cancel := context.WithCancel(e.ctx)
	s := &sub{e: e, items: make(chan item, 1024), cancel: cancel, done: make(chan struct{})}
	go s.run(ctx, opts)
	e.t.Cleanup(func() { s.stop() })
	return s
}

func (s *sub) run(ctx context.Context, opts events.SubscribeOptions) {
	defer close(s.done)
	defer close(s.items)
	for d, err := range s.e.s.Subscribe(ctx, opts) {
		select {
		case s.items <- item{d, err}:
		case <-s.e.ctx.Done():
			return
		}
	}
}

// stop cancels the subscription and waits for its goroutine.
func (s *sub) stop() {
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(waitTimeout):
		s.e.t.Errorf("subscription did not end within %s of its cancellation", waitTimeout)
	}
}

// next returns the next item; ok is false when the subscription ended.
func (s *sub) next() (item, bool) {
	s.e.t.Helper()
	select {
	case it, ok := <-s.items:
		return it, ok
	case <-time.After(waitTimeout):
		s.e.t.Fatalf("no subscription item within %s", waitTimeout)
		return item{}, false
	}
}

// events takes n events, failing on errors, on the end of the
// subscription, and on a CaughtUp mark unless allowCaughtUp.
func (s *sub) events(n int, allowCaughtUp bool) (recs []events.RecordedEvent, marks int) {
	s.e.t.Helper()
	for len(recs) < n {
		it, ok := s.next()
		switch {
		case !ok:
			s.e.t.Fatalf("subscription ended after %d of %d events", len(recs), n)
		case it.err != nil:
			s.e.t.Fatalf("subscription error after %d events: %v", len(recs), it.err)
		case it.d.CaughtUp && allowCaughtUp:
			marks++
		case it.d.CaughtUp:
			s.e.t.Fatalf("unexpected CaughtUp after %d events", len(recs))
		case it.d.Event == nil:
			s.e.t.Fatalf("delivery with neither event nor CaughtUp: %+v", it.d)
		case it.d.Position != it.d.Event.Position:
			s.e.t.Fatalf("delivery position %d for event at %d", it.d.Position, it.d.Event.Position)
		default:
			recs = append(recs, *it.d.Event)
		}
	}
	return recs, marks
}

// caughtUp takes the next item, which must be the CaughtUp mark.
func (s *sub) caughtUp() events.Delivery {
	s.e.t.Helper()
	it, ok := s.next()
	if !ok || it.err != nil || !it.d.CaughtUp {
		s.e.t.Fatalf("want CaughtUp, got %+v (err %v, open %v)", it.d, it.err, ok)
	}
	return it.d
}

// quiet fails if an item arrives within a short while.
func (s *sub) quiet() {
	s.e.t.Helper()
	select {
	case it, ok := <-s.items:
		if ok {
			s.e.t.Fatalf("unexpected item %+v (err %v)", it.d, it.err)
		}
	case <-time.After(200 * time.Millisecond):
	}
}
