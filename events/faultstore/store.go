package faultstore

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linkup-chat/linkup/events"
)

var _ events.Store = (*Store)(nil)

// Store is an events.Store that forwards to an inner store and applies the
// faults currently in force to each Append. All methods are safe for
// concurrent use; changing a fault affects appends that start afterwards,
// except Restore, which also releases appends already stalled.
type Store struct {
	inner    events.Store
	mu       sync.Mutex
	latency  time.Duration
	failWith error
	loseAcks error
	readErr  error
	stall    chan struct{} // non-nil while stalled; closed by Restore
	stats    Stats
}

// Stats counts appends by outcome.
type Stats struct {
	Appends  atomic.Int64 // calls to Append
	Failed   atomic.Int64 // answered with an injected error
	Stalled  atomic.Int64 // that waited on a stall
	Released atomic.Int64 // stalled ones that went on to the inner store
	// FailedReads counts ReadStream calls answered with an injected error.
	FailedReads atomic.Int64
}

// New wraps inner with no fault in force.
func New(inner events.Store) *Store { return &Store{inner: inner} }

// Inner returns the wrapped store.
func (s *Store) Inner() events.Store { return s.inner }

// Stats returns the live counters.
func (s *Store) Stats() *Stats { return &s.stats }

// SetLatency delays every append by d before it reaches the inner store
// (0 removes the delay). The delay respects the caller's context.
func (s *Store) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// FailAppends makes every append fail with err, or ErrInjected when err is
// nil, without touching the inner store.
func (s *Store) FailAppends(err error) {
	if err == nil {
		err = ErrInjected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failWith = err
}

// LoseAcks makes every append reach the inner store and then report err
// (ErrInjected when nil) to its caller: the write landed but its
// acknowledgement was lost, as when a timeout fires just after the commit.
func (s *Store) LoseAcks(err error) {
	if err == nil {
		err = ErrInjected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseAcks = err
}

// FailStreamReads makes every ReadStream started afterwards yield err
// (ErrInjected when nil) as its first item, reading nothing: a disk that
// cannot be read, or a store that went away, for history and sync.
// ReadAll and Subscribe are not affected (the node's directory and
// projections keep running).
func (s *Store) FailStreamReads(err error) {
	if err == nil {
		err = ErrInjected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readErr = err
}

// Stall makes appends block until Restore or until their context ends
// (then they return the context's error and write nothing).
func (s *Store) Stall() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stall == nil {
		s.stall = make(chan struct{})
	}
}

// Restore removes every fault and lets stalled appends proceed to the
// inner store.
func (s *Store) Restore() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency, s.failWith, s.loseAcks, s.readErr = 0, nil, nil, nil
	if s.stall != nil {
		close(s.stall)
		s.stall = nil
	}
}

func (s *Store) faults() (time.Duration, error, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency, s.failWith, s.stall
}

// Append applies latency, then a stall, then an injected failure, then
// forwards to the inner store, then loses the acknowledgement if asked.
func (s *Store) Append(ctx context.Context, stream string, expected events.ExpectedRevision, evs ...events.EventData) (events.AppendResult, error) {
	s.stats.Appends.Add(1)
	if err := s.delay(ctx); err != nil {
		return events.AppendResult{}, fmt.Errorf("faultstore: append %s: %w", stream, err)
	}
	if err := s.waitStall(ctx); err != nil {
		return events.AppendResult{}, fmt.Errorf("faultstore: append %s: %w", stream, err)
	}
	if _, failWith, _ := s.faults(); failWith != nil {
		s.stats.Failed.Add(1)
		return events.AppendResult{}, fmt.Errorf("faultstore: append %s: %w", stream, failWith)
	}
	res, err := s.inner.Append(ctx, stream, expected, evs...)
	if lose := s.lostAck(); err == nil && lose != nil {
		s.stats.Failed.Add(1)
		return events.AppendResult{}, fmt.Errorf("faultstore: append %s: landed, ack lost: %w", stream, lose)
	}
	return res, err
}

func (s *Store) lostAck() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loseAcks
}

func (s *Store) delay(ctx context.Context) error {
	d, _, _ := s.faults()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) waitStall(ctx context.Context) error {
	_, _, stall := s.faults()
	if stall == nil {
		return nil
	}
	s.stats.Stalled.Add(1)
	select {
	case <-stall:
		s.stats.Released.Add(1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReadStream passes through, unless FailStreamReads is in force.
func (s *Store) ReadStream(ctx context.Context, stream string, opts events.ReadStreamOptions) iter.Seq2[events.RecordedEvent, error] {
	s.mu.Lock()
	err := s.readErr
	s.mu.Unlock()
	if err != nil {
		s.stats.FailedReads.Add(1)
		return func(yield func(events.RecordedEvent, error) bool) { yield(events.RecordedEvent{}, err) }
	}
	return s.inner.ReadStream(ctx, stream, opts)
}

// ReadAll passes through.
func (s *Store) ReadAll(ctx context.Context, opts events.ReadAllOptions) iter.Seq2[events.RecordedEvent, error] {
	return s.inner.ReadAll(ctx, opts)
}

// Subscribe passes through.
func (s *Store) Subscribe(ctx context.Context, opts events.SubscribeOptions) iter.Seq2[events.Delivery, error] {
	return s.inner.Subscribe(ctx, opts)
}

// Head passes through.
func (s *Store) Head(ctx context.Context) (uint64, error) { return s.inner.Head(ctx) }

// Close releases stalled appends and closes the inner store.
func (s *Store) Close() error {
	s.Restore()
	return s.inner.Close()
}
