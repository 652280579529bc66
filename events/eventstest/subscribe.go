package eventstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/linkup-chat/linkup/events"
)

func subscribeCases() []testCase {
	return []testCase{
		{"SubscribeFromStartThenLive", testSubscribeStart},
		{"SubscribeFromPosition", testSubscribeFromPosition},
		{"SubscribeFromEnd", testSubscribeFromEnd},
		{"SubscribeTypeFilter", testSubscribeTypeFilter},
		{"SubscribeAcrossCatchUpBoundary", testSubscribeBoundary},
		{"SubscribeCancel", testSubscribeCancel},
		{"SubscribeBreakReleases", testSubscribeBreak},
		{"SubscribeAppendInLoop", testSubscribeAppendInLoop},
	}
}

func (e *env) appendN(stream string, from, to int) {
	for i := from; i < to; i++ {
		e.mustAppend(stream, events.Any(), ev(i))
	}
}

func testSubscribeStart(e *env) {
	h0 := e.head()
	e.appendN(e.stream("s"), 0, 5)
	s := e.subscribe(events.SubscribeOptions{After: h0, Filter: e.mine()})
	old, _ := s.events(5, false)
	checkNumbers(e.t, old, 0, 1, 2, 3, 4)
	checkIncreasing(e.t, old)
	if mark := s.caughtUp(); mark.Position < old[4].Position {
		e.t.Fatalf("CaughtUp at %d, before the last event delivered (%d)", mark.Position, old[4].Position)
	}
	e.appendN(e.stream("s"), 5, 8)
	live, _ := s.events(3, false)
	checkNumbers(e.t, live, 5, 6, 7)
	checkIncreasing(e.t, append(old, live...))
	s.quiet()
}

func testSubscribeFromPosition(e *env) {
	h0 := e.head()
	e.appendN(e.stream("p"), 0, 5)
	recs := e.mustReadAll(events.ReadAllOptions{After: h0, Filter: e.mine()})
	s := e.subscribe(events.SubscribeOptions{After: recs[1].Position, Filter: e.mine()})
	got, _ := s.events(3, false)
	checkNumbers(e.t, got, 2, 3, 4)
	s.caughtUp()
}

func testSubscribeFromEnd(e *env) {
	e.appendN(e.stream("end"), 0, 3)
	s := e.subscribe(events.SubscribeOptions{FromEnd: true, Filter: e.mine()})
	s.caughtUp()
	e.appendN(e.stream("end"), 3, 5)
	got, _ := s.events(2, false)
	checkNumbers(e.t, got, 3, 4)
}

func testSubscribeTypeFilter(e *env) {
	h0 := e.head()
	f := e.mine()
	f.EventTypes = []string{TestEventType}
	for i := range 6 {
		d := ev(i)
		if i%2 == 1 {
			d.Type = TestEventType + "Other"
		}
		e.mustAppend(e.stream("typed"), events.Any(), d)
	}
	s := e.subscribe(events.SubscribeOptions{After: h0, Filter: f})
	got, _ := s.events(3, false)
	checkNumbers(e.t, got, 0, 2, 4)
	if mark := s.caughtUp(); mark.Position < got[2].Position {
		e.t.Fatalf("CaughtUp at %d before last delivered %d", mark.Position, got[2].Position)
	}
	other := ev(6)
	other.Type = TestEventType + "Other"
	e.mustAppend(e.stream("typed"), events.Any(), other, ev(7))
	got, _ = s.events(1, false)
	checkNumbers(e.t, got, 7)
}

// testSubscribeBoundary appends while the subscription catches up: every
// event must arrive once, in order, with exactly one CaughtUp mark.
func testSubscribeBoundary(e *env) {
	const before, writers, during = 300, 3, 100
	h0 := e.head()
	for i := 0; i < before; i += 10 {
		batch := make([]events.EventData, 10)
		for j := range batch {
			batch[j] = evg(-1, i+j)
		}
		e.mustAppend(e.stream("old"), events.Any(), batch...)
	}
	s := e.subscribe(events.SubscribeOptions{After: h0, Filter: e.mine()})
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Go(func() {
			for i := range during {
				if _, err := e.s.Append(e.ctx, e.stream(fmt.Sprintf("new-%d", g)), events.Any(), evg(g, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	got, marks := s.events(before+writers*during, true)
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	e.checkBoundary(got, marks, s)
}

func (e *env) checkBoundary(got []events.RecordedEvent, marks int, s *sub) {
	checkIncreasing(e.t, got)
	next := map[int]int{}
	for _, r := range got {
		v := numOf(e.t, r)
		if v.N != next[v.G] {
			e.t.Fatalf("writer %d: event %d where %d was due", v.G, v.N, next[v.G])
		}
		next[v.G]++
	}
	if marks == 0 {
		s.caughtUp()
		marks++
	}
	if marks != 1 {
		e.t.Fatalf("%d CaughtUp marks, want 1", marks)
	}
	s.quiet()
}

func testSubscribeCancel(e *env) {
	s := e.subscribe(events.SubscribeOptions{FromEnd: true, Filter: e.mine()})
	s.caughtUp()
	s.cancel()
	it, ok := s.next()
	if !ok || !errors.Is(it.err, context.Canceled) {
		e.t.Fatalf("after cancel: item %+v, err %v, open %v; want context.Canceled", it.d, it.err, ok)
	}
	if it, ok := s.next(); ok {
		e.t.Fatalf("item after the cancellation error: %+v %v", it.d, it.err)
	}
}

// testSubscribeBreak breaks out of many subscriptions; each loop must
// return and the store must stay usable.
func testSubscribeBreak(e *env) {
	e.appendN(e.stream("brk"), 0, 2)
	for range 20 {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range e.s.Subscribe(e.ctx, events.SubscribeOptions{FromEnd: true, Filter: e.mine()}) {
				break
			}
		}()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			e.t.Fatal("loop over Subscribe did not return after break")
		}
	}
	e.mustAppend(e.stream("brk"), events.Exact(1), ev(2))
	e.checkLen(e.stream("brk"), 3)
}

// testSubscribeAppendInLoop appends from inside the loop over a live
// subscription, each event causing the next.
func testSubscribeAppendInLoop(e *env) {
	const chain = 10
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	h0 := e.head()
	e.mustAppend(e.stream("chain"), events.NoStream(), ev(0))
	seen := 0
	for d, err := range e.s.Subscribe(ctx, events.SubscribeOptions{After: h0, Filter: e.mine()}) {
		if err != nil {
			e.t.Fatalf("after %d events: %v", seen, err)
		}
		if d.Event == nil {
			continue
		}
		if n := numOf(e.t, *d.Event).N; n != seen {
			e.t.Fatalf("event %d where %d was due", n, seen)
		}
		if seen++; seen == chain {
			break
		}
		e.mustAppend(e.stream("chain"), events.Exact(uint64(seen-1)), ev(seen))
	}
	if seen != chain {
		e.t.Fatalf("saw %d events, want %d", seen, chain)
	}
}
