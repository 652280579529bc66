package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
)

// Request sends msg (a registered protobuf message: the remote drops
// anything else) to identity of kind and returns the reply. Each attempt
// is bounded by Config.RequestTimeout, whatever the library's lookup
// does (it waits a fixed 5 s on an owner that died); a timed-out attempt
// is retried with the same message up to Config.RequestAttempts times,
// so the receiver must treat a repeat idempotently (the payload carries
// its own request id). ctx bounds the whole call.
//
// It returns ErrTimeout when every attempt timed out, ErrMoved when the
// attempts kept reaching stale activations (see RequestTries), ErrUnavailable when
// the member has ended or Config.MaxInFlight library calls are running.
func (m *Member) Request(ctx context.Context, identity, kind string, msg any) (any, error) {
	return m.RequestTries(ctx, m.cfg.RequestAttempts, identity, kind, msg)
}

// RequestTries is Request with at most tries attempts (at least one): 1
// for a message whose repeat would not be harmless. An attempt answered
// by a stale activation (ErrMoved: the callee did not handle it) is not
// counted against tries, since it cannot have taken effect; at most
// Config.RequestAttempts of those are made again, each after dropping the
// cached PID so the owner is looked up afresh.
func (m *Member) RequestTries(ctx context.Context, tries int, identity, kind string, msg any) (any, error) {
	var err error
	moved := 0
	for try := 0; try < max(tries, 1); try++ {
		if try > 0 || moved > 0 {
			m.retries.Add(1)
		}
		var res any
		res, err = m.attempt(ctx, identity, kind, msg)
		if errors.Is(err, ErrMoved) && moved < m.cfg.RequestAttempts && ctx.Err() == nil {
			moved++
			try-- // not handled: a free try, bounded by moved
			m.c.PidCache.Remove(identity, kind)
			continue
		}
		if err == nil || !errors.Is(err, ErrTimeout) || ctx.Err() != nil {
			return res, err
		}
		m.c.PidCache.Remove(identity, kind) // the next attempt looks the owner up again
	}
	return nil, err
}

// Retries is how many attempts Request has repeated since the member
// started (each after a try that timed out).
func (m *Member) Retries() int64 { return m.retries.Load() }

type result struct {
	res any
	err error
}

// attempt runs one library request in a goroutine and waits at most
// RequestTimeout for it. A goroutine that outlives its attempt is counted
// as abandoned until the library returns.
func (m *Member) attempt(ctx context.Context, identity, kind string, msg any) (any, error) {
	select {
	case <-m.done:
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, m.Err())
	default:
	}
	if m.calls.Load() >= int64(m.cfg.MaxInFlight) {
		return nil, fmt.Errorf("%w: %d attempts still wait in the library", ErrUnavailable, m.calls.Load())
	}
	out := make(chan result, 1)
	m.calls.Add(1)
	go func() {
		defer m.calls.Add(-1)
		res, err := m.c.Request(identity, kind, msg, cluster.WithTimeout(m.cfg.RequestTimeout), cluster.WithRetryCount(1))
		out <- result{res, err}
	}()
	timer := time.NewTimer(m.cfg.RequestTimeout)
	defer timer.Stop()
	select {
	case r := <-out:
		return r.res, classify(r)
	case <-timer.C:
		return nil, fmt.Errorf("%w: %s/%s after %v", ErrTimeout, kind, identity, m.cfg.RequestTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// classify maps the library's answers: nil reply and error both mean the
// attempt failed in time and may be retried.
func classify(r result) error {
	switch {
	case r.err != nil:
		return fmt.Errorf("%w: %v", ErrTimeout, r.err)
	case r.res == nil:
		return fmt.Errorf("%w: no reply", ErrTimeout)
	}
	if e, ok := r.res.(*cluster.GrainErrorResponse); ok {
		if e.Reason == ReasonMoved {
			return fmt.Errorf("%w: %s", ErrMoved, e.Message)
		}
		return fmt.Errorf("%w: %s: %s", ErrGrain, e.Reason, e.Message)
	}
	return nil
}

// InFlight is how many library calls are running, including attempts
// that timed out here but still wait inside the library (bounded by
// Config.MaxInFlight).
func (m *Member) InFlight() int64 { return m.calls.Load() }
