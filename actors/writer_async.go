package actors

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// asyncStore is a store that answers an append through a callback instead
// of a blocked caller (embedded.Store.AppendAsync): done is called exactly
// once, after the append is durable or has failed, on the store's own
// goroutine, so it must not block; an error returned means done will not
// be called.
type asyncStore interface {
	AppendAsync(stream string, expected events.ExpectedRevision, evs []events.EventData, done func(events.AppendResult, error)) error
}

// asyncCall is one append handed to an asyncStore. Whichever comes first,
// the store's answer or the AppendTimeout timer, settles it; the other
// finds it settled and does nothing.
type asyncCall struct {
	w       *Writer
	job     appendJob
	settled atomic.Bool
	timer   *time.Timer
}

// submitAsync hands job to the store. It runs under w.mu with the writer
// open, so Close's wait covers the call (w.wg). It returns false, without
// calling done, only when the store's queue is full.
func (w *Writer) submitAsync(job appendJob) bool {
	call := &asyncCall{w: w, job: job}
	w.wg.Add(1)
	call.timer = time.AfterFunc(w.timeout, call.expire)
	err := w.async.AppendAsync(job.stream, job.expected, job.events, call.answer)
	switch {
	case err == nil:
		return true
	case errors.Is(err, events.ErrOverloaded):
		if call.settle(true) {
			w.wg.Done()
		}
		w.m.writerRejected.Inc()
		return false
	default: // refused at once (invalid events, closed store): answer as a worker would, off the caller's goroutine
		go call.answer(events.AppendResult{}, err)
		return true
	}
}

// answer is the store's callback.
func (c *asyncCall) answer(res events.AppendResult, err error) {
	if !c.settle(true) {
		return // timed out already; the chat settles the outcome by reading its stream
	}
	c.w.finished(c.job, c.job.queued, res, err)
	c.w.wg.Done()
}

// expire answers a store that has not answered within AppendTimeout, as a
// blocking Append's context would.
func (c *asyncCall) expire() {
	if !c.settle(false) {
		return
	}
	c.w.finished(c.job, c.job.queued, events.AppendResult{}, context.DeadlineExceeded)
	c.w.wg.Done()
}

// settle reports whether the caller is the first to settle the call, and
// then stops the timer unless the caller is the timer (which may fire
// before submitAsync has stored it).
func (c *asyncCall) settle(stopTimer bool) bool {
	if !c.settled.CompareAndSwap(false, true) {
		return false
	}
	if stopTimer {
		c.timer.Stop()
	}
	return true
}
