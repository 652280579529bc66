package actors

import (
	pq "container/heap"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// expiries is the node's one schedule of token expiries: a min-heap of
// connection actors by the time their token expires, and a single timer
// armed for the earliest. When it fires, every connection due gets
// tokenExpired (the connection then closes with 1008). A connection costs
// it one 16-byte heap slot, instead of a time.AfterFunc each (a runtime
// timer and a closure, ~140 bytes per idle connection, issue #17).
//
// add and cancel are called by connection actors (start, finish); the
// heap index each actor keeps (connActor.expirySlot) is read and written
// only under mu. Safe for concurrent use.
type expiries struct {
	mu    sync.Mutex
	items expiryHeap
	timer *time.Timer
	fire  func(*actor.PID)
}

// expiryItem is one scheduled expiry: unix ns and the connection.
type expiryItem struct {
	at int64
	c  *connActor
}

// newExpiries makes an empty schedule that calls fire (never under its
// lock) with each connection whose token expired.
func newExpiries(fire func(*actor.PID)) *expiries {
	return &expiries{fire: fire}
}

// add schedules c's expiry at; c.self must be set. An expiry already past
// fires at once (on the timer's goroutine).
func (e *expiries) add(c *connActor, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	pq.Push(&e.items, expiryItem{at: at.UnixNano(), c: c})
	if e.items[0].c == c {
		e.arm()
	}
}

// cancel unschedules c, if scheduled.
func (e *expiries) cancel(c *connActor) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c.expirySlot == 0 {
		return
	}
	pq.Remove(&e.items, int(c.expirySlot-1))
	e.shrink()
	if len(e.items) == 0 && e.timer != nil {
		e.timer.Stop() // nothing left: nothing keeps the node alive
	}
}

// len counts the scheduled expiries.
func (e *expiries) len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.items)
}

// arm sets the timer for the earliest expiry. Called with mu held and
// items not empty.
func (e *expiries) arm() {
	d := time.Duration(e.items[0].at - time.Now().UnixNano())
	if e.timer == nil {
		e.timer = time.AfterFunc(d, e.due)
		return
	}
	e.timer.Reset(d)
}

// due takes every expiry that has come out of the schedule, re-arms the
// timer for the next, and tells the connections (outside the lock: a
// connection actor may run in place and cancel).
func (e *expiries) due() {
	var pids []*actor.PID
	now := time.Now().UnixNano()
	e.mu.Lock()
	for len(e.items) > 0 && e.items[0].at <= now {
		it := pq.Pop(&e.items).(expiryItem)
		pids = append(pids, it.c.self)
	}
	if len(e.items) > 0 {
		e.arm()
	}
	e.shrink()
	e.mu.Unlock()
	for _, pid := range pids {
		e.fire(pid)
	}
}

// shrink gives back the heap's array when it is mostly empty (after a
// mass disconnect). Called with mu held.
func (e *expiries) shrink() {
	if c := cap(e.items); c > 64 && len(e.items) < c/4 {
		e.items = append(expiryHeap(nil), e.items...)
	}
}

// expiryHeap is container/heap's view of the schedule; it keeps each
// connection's index (plus one; 0: not scheduled) in connActor.expirySlot.
type expiryHeap []expiryItem

var _ pq.Interface = (*expiryHeap)(nil)

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at < h[j].at }

func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].c.expirySlot, h[j].c.expirySlot = int32(i+1), int32(j+1)
}

func (h *expiryHeap) Push(x any) {
	it := x.(expiryItem)
	it.c.expirySlot = int32(len(*h) + 1)
	*h = append(*h, it)
}

func (h *expiryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = expiryItem{}
	*h = old[:len(old)-1]
	it.c.expirySlot = 0
	return it
}
