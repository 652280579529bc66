package esdb

import (
	"context"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// closeWait bounds how long Close waits for client calls to return before
// it closes the client.
var closeWait = 5 * time.Second // a variable for tests

// result is the outcome of one blocking client call.
type result[T any] struct {
	v   T
	err error
}

// call runs one blocking client call (an append, opening a read, one
// Recv) on its own goroutine and waits for it or for ctx. The client can
// block a call forever without regard to its context (a send to its
// connection state machine after that machine has exited), so the store
// never makes its caller wait on the client directly: on ctx the caller
// returns at once and the call's goroutine finishes (or, in that rare case,
// stays parked) on its own. The channel holds one result, so a finished
// call never blocks: nothing is buffered beyond that one value.
//
// Calls are counted so that Close closes the client only once they are
// over (the client panics on a call racing with its Close).
func call[T any](s *Store, ctx context.Context, f func() (T, error)) (T, error) {
	var zero T
	if err := s.enter(); err != nil {
		return zero, err
	}
	ch := make(chan result[T], 1)
	go func() {
		defer s.calls.Done()
		v, err := f()
		ch <- result[T]{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// enter counts one more client call, or returns ErrClosed.
func (s *Store) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return events.ErrClosed
	}
	s.calls.Add(1)
	return nil
}

// waitCalls waits up to d for the running client calls; it reports
// whether they all returned.
func (s *Store) waitCalls(d time.Duration) bool {
	done := make(chan struct{})
	go func() { s.calls.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
