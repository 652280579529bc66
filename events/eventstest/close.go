package eventstest

import (
	"errors"

	"github.com/linkup-chat/linkup/events"
)

func closeCases() []testCase {
	return []testCase{{"CloseThenErrClosed", testClose}}
}

// testClose closes the store under a live subscription: the subscription
// must end and every method must then return ErrClosed.
func testClose(e *env) {
	e.mustAppend(e.stream("c"), events.NoStream(), ev(0))
	s := e.subscribe(events.SubscribeOptions{FromEnd: true, Filter: e.mine()})
	s.caughtUp()
	if err := e.s.Close(); err != nil {
		e.t.Fatalf("close: %v", err)
	}
	for {
		if _, ok := s.next(); !ok {
			break
		}
	}
	_, err := e.s.Append(e.ctx, e.stream("c"), events.Any(), ev(1))
	wantErr(e.t, "append after close", err, events.ErrClosed)
	_, err = e.s.Head(e.ctx)
	wantErr(e.t, "head after close", err, events.ErrClosed)
	_, err = e.readStream(e.stream("c"), events.ReadStreamOptions{})
	wantErr(e.t, "read stream after close", err, events.ErrClosed)
	_, err = collect(e.s.ReadAll(e.ctx, events.ReadAllOptions{}))
	wantErr(e.t, "read all after close", err, events.ErrClosed)
	for _, err := range e.s.Subscribe(e.ctx, events.SubscribeOptions{}) {
		wantErr(e.t, "subscribe after close", err, events.ErrClosed)
		return
	}
	e.t.Fatal(errors.New("subscribe after close yielded nothing"))
}
