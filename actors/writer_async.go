package actors

import (
	"context"
	"errors"
	"sync"
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
// the store's answer or its deadline (AppendTimeout after it was
// submitted, kept by the writer's dueCalls) settles it; the other finds it
// settled and does nothing.
type asyncCall struct {
	w       *Writer
	job     appendJob
	settled atomic.Bool
	due     time.Time
}

// submitAsync hands job to the store. It runs under w.mu (read-held: other
// chats submit at the same time) with the writer open, so Close's wait
// covers the call (w.wg). It returns false, without
// calling done, only when the store's queue is full.
func (w *Writer) submitAsync(job appendJob) bool {
	call := &asyncCall{w: w, job: job}
	w.wg.Add(1)
	w.due.add(call, w.timeout)
	err := w.async.AppendAsync(job.stream, job.expected, job.events, call.answer)
	switch {
	case err == nil:
		return true
	case errors.Is(err, events.ErrOverloaded):
		if call.settle() {
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
	if !c.settle() {
		return // timed out already; the chat settles the outcome by reading its stream
	}
	c.w.due.drop()
	c.w.finished(c.job, c.job.queued, res, err)
	c.w.wg.Done()
}

// expire answers a store that has not answered within AppendTimeout, as a
// blocking Append's context would.
func (c *asyncCall) expire() {
	if !c.settle() {
		return
	}
	c.w.finished(c.job, c.job.queued, events.AppendResult{}, context.DeadlineExceeded)
	c.w.wg.Done()
}

// settle reports whether the caller is the first to settle the call.
func (c *asyncCall) settle() bool {
	return c.settled.CompareAndSwap(false, true)
}

// dueCalls are the asynchronous appends not yet known settled, in the
// order submitted, which is the order of their deadlines (one
// AppendTimeout each): one timer, armed for the oldest's deadline,
// expires those the store has not answered. A timer per append
// (time.AfterFunc) allocated twice per append and took the runtime's
// timer heap twice. Answers come about in the order submitted (the
// embedded store's writer takes its queue in order), so dropping the
// settled calls at the head on each answer keeps the queue short.
type dueCalls struct {
	mu    sync.Mutex
	calls []*asyncCall // calls[head:] wait, oldest first
	head  int
	timer *time.Timer
	armed bool
}

// add queues c, due after timeout, arming the timer if it is not. The
// deadline is read under the lock, so the queue stays in deadline order
// whatever the order the submitters get here.
func (d *dueCalls) add(c *asyncCall, timeout time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c.due = time.Now().Add(timeout)
	d.calls = append(d.calls, c)
	if !d.armed {
		d.armLocked(time.Until(c.due))
	}
}

func (d *dueCalls) armLocked(wait time.Duration) {
	d.armed = true
	if d.timer == nil {
		d.timer = time.AfterFunc(wait, d.expire)
		return
	}
	d.timer.Reset(wait)
}

// drop forgets the settled calls at the head.
func (d *dueCalls) drop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropLocked()
}

func (d *dueCalls) dropLocked() {
	for d.head < len(d.calls) && d.calls[d.head].settled.Load() {
		d.calls[d.head] = nil
		d.head++
	}
	if d.head == len(d.calls) {
		d.calls, d.head = d.calls[:0], 0
	} else if d.head > 1024 && d.head > len(d.calls)/2 {
		n := copy(d.calls, d.calls[d.head:])
		clear(d.calls[n:])
		d.calls, d.head = d.calls[:n], 0
	}
}

// expire is the timer: it expires the calls past their deadline, oldest
// first, and arms the timer for the next one's.
func (d *dueCalls) expire() {
	now := time.Now()
	var late []*asyncCall
	d.mu.Lock()
	d.dropLocked()
	for d.head < len(d.calls) && !d.calls[d.head].due.After(now) {
		late = append(late, d.calls[d.head])
		d.calls[d.head] = nil
		d.head++
	}
	d.dropLocked()
	d.armed = false
	if d.head < len(d.calls) {
		d.armLocked(d.calls[d.head].due.Sub(now))
	}
	d.mu.Unlock()
	for _, c := range late {
		c.expire()
	}
}
