package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// sub runs a subscription in a goroutine and hands its deliveries over a
// channel.
type sub struct {
	ch chan events.Delivery
}

func startSub(t testing.TB, ctx context.Context, st events.Store, opts events.SubscribeOptions) *sub {
	ctx, cancel := context.WithCancel(ctx)
	s := &sub{ch: make(chan events.Delivery, 1024)}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for d, err := range st.Subscribe(ctx, opts) {
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("subscription: %v", err)
				}
				return
			}
			select {
			case s.ch <- d:
			case <-ctx.Done():
				return
			}
		}
	}()
	return s
}

func (s *sub) waitCaughtUp(t testing.TB) {
	t.Helper()
	for {
		select {
		case d := <-s.ch:
			if d.CaughtUp {
				return
			}
		case <-time.After(30 * time.Second):
			t.Fatal("subscription did not catch up")
		}
	}
}

// events returns the next n events (skipping marks), failing after a
// minute.
func (s *sub) events(t testing.TB, n int) []events.RecordedEvent {
	t.Helper()
	var out []events.RecordedEvent
	deadline := time.After(time.Minute)
	for len(out) < n {
		select {
		case d := <-s.ch:
			if d.Event != nil {
				out = append(out, *d.Event)
			}
		case <-deadline:
			t.Fatalf("got %d events of %d", len(out), n)
		}
	}
	return out
}
