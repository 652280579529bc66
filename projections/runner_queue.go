package projections

import (
	"context"
	"sync"

	"github.com/linkup-chat/linkup/events"
)

// deliveryQueue holds the deliveries between a projection's subscription
// (put, in the pump's goroutine) and its batches (take): at most size, so
// that a full queue makes the subscription wait. The consumer is woken
// only when as many deliveries as it wants are queued (one for a first
// delivery, the rest of a full batch while it paces), when the queue
// fills, and when the subscription ends, not for each delivery: it gathers a paced
// batch's deliveries in one take instead of one channel receive (and one
// wakeup of each side) each, which was a tenth of what following the log
// cost per event.
type deliveryQueue struct {
	mu    sync.Mutex
	items []events.Delivery
	size  int
	ended bool
	err   error         // what ended the subscription (nil: it ended)
	want  int           // wake the consumer once this many are queued (0: only when full)
	ready chan struct{} // 1-buffered: wakes the consumer
	space chan struct{} // 1-buffered: wakes a put waiting for room
}

func newDeliveryQueue(size int) *deliveryQueue {
	return &deliveryQueue{size: size, ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

// put appends d, waiting while the queue is full; it fails only when ctx
// ends.
func (q *deliveryQueue) put(ctx context.Context, d events.Delivery) error {
	for {
		q.mu.Lock()
		if len(q.items) < q.size {
			q.items = append(q.items, d)
			wake := (q.want > 0 && len(q.items) >= q.want) || len(q.items) == q.size
			if wake {
				q.want = 0
			}
			q.mu.Unlock()
			if wake {
				signal(q.ready)
			}
			return nil
		}
		q.mu.Unlock()
		signal(q.ready)
		select {
		case <-q.space:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// end records that the subscription ended, with err (nil: it just ended).
func (q *deliveryQueue) end(err error) {
	q.mu.Lock()
	q.ended, q.err = true, err
	q.mu.Unlock()
	signal(q.ready)
}

// take appends up to most queued deliveries to batch without waiting, and
// reports, once the queue is empty after the subscription ended, the
// error that ended it (errSubscriptionEnded for none). The consumer then
// asks to be woken (ready) once the deliveries it wanted and did not get
// (want minus those taken) are queued; none: only when the queue is full
// or ends.
func (q *deliveryQueue) take(batch []events.Delivery, most, want int) ([]events.Delivery, error) {
	q.mu.Lock()
	n := min(most, len(q.items))
	batch = append(batch, q.items[:n]...)
	rest := copy(q.items, q.items[n:])
	clear(q.items[rest:])
	q.items = q.items[:rest]
	var err error
	if rest == 0 && q.ended {
		err = orEnded(q.err)
	}
	q.want = max(want-n, 0)
	wake := q.want > 0 && rest >= q.want
	q.mu.Unlock()
	if wake {
		signal(q.ready)
	}
	if n > 0 {
		signal(q.space)
	}
	return batch, err
}

// len is the number of deliveries queued.
func (q *deliveryQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// signal wakes the waiter of a 1-buffered channel, if none is pending.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
