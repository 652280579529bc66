package main

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// defaultCloseGrace is --close-grace: after the shutdown grace, how long
// the projections and the stores get to finish before the process exits
// anyway.
const defaultCloseGrace = 5 * time.Second

// abandonNote is said with every step the exit abandons: a client is
// acknowledged only after its event is durable in the log, so a close
// that never finished cannot lose anything acknowledged.
const abandonNote = "nothing acknowledged is lost: acks follow durable appends only"

// exitSteps are the closes serve runs on its way out (the projections, the
// cluster member, the event store), last added first like defer, under
// one deadline: a step that does not finish by it (a store whose database
// is unreachable) is abandoned and named in the log, and the process exits
// anyway. The zero value is ready to use.
type exitSteps struct {
	grace time.Duration // when the exit never started (a failed start): the steps' own bound

	mu       sync.Mutex
	steps    []exitStep
	deadline time.Time // zero until begin
	started  time.Time
}

type exitStep struct {
	name string
	fn   func()
}

// push adds a step to run before the ones already added.
func (s *exitSteps) push(name string, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append([]exitStep{{name, fn}}, s.steps...)
}

// begin starts the exit clock: everything, the drain included, ends within
// total from now. It returns the deadline.
func (s *exitSteps) begin(total time.Duration) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = time.Now()
	s.deadline = s.started.Add(total)
	return s.deadline
}

// within runs fn and waits for it until the deadline; it reports false
// (and leaves fn running) when the deadline came first.
func within(deadline time.Time, fn func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// run runs the steps in order until the deadline (begin's, or grace from
// now after a failed start) and logs the ones it abandoned.
func (s *exitSteps) run(log *slog.Logger) {
	s.mu.Lock()
	steps, deadline, started := s.steps, s.deadline, s.started
	s.mu.Unlock()
	if deadline.IsZero() {
		started, deadline = time.Now(), time.Now().Add(s.grace)
	}
	var next atomic.Int64 // index of the step running now
	finished := within(deadline, func() {
		for i, st := range steps {
			next.Store(int64(i))
			st.fn()
		}
		next.Store(int64(len(steps)))
	})
	if finished {
		if !s.deadline.IsZero() { // not after a failed start: its error is the one line
			log.Info("exit", "after", time.Since(started).Round(time.Millisecond))
		}
		return
	}
	var left []string
	for _, st := range steps[min(int(next.Load()), len(steps)):] {
		left = append(left, st.name)
	}
	log.Warn("exit bound reached: exiting without finishing "+joinNames(left)+"; "+abandonNote,
		"after", time.Since(started).Round(time.Millisecond), "abandoned", left)
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			out += " and "
		default:
			out += ", "
		}
		out += n
	}
	return out
}
