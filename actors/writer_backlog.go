package actors

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// retryBacklog holds fire-and-forget appends that failed, oldest first, up
// to a bound; it remembers when the outage began and how much it dropped so
// the outage can be recorded once the store is back. Its lock is never held
// across a store call.
type retryBacklog struct {
	mu       sync.Mutex
	items    []backlogItem
	max      int
	since    time.Time
	failed   int // fire-and-forget appends that failed (retried or dropped)
	dropped  int
	answered int // appends whose callers were answered with the failure (a chat's `unavailable`)
	timeout  time.Duration
	flushMu  sync.Mutex // one flush at a time
}

type backlogItem struct {
	stream string
	evs    []events.EventData
}

func newRetryBacklog(max int, timeout time.Duration) *retryBacklog {
	return &retryBacklog{max: max, timeout: timeout}
}

func (b *retryBacklog) add(stream string, evs []events.EventData, m *metrics) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.beginLocked()
	b.failed++
	if len(b.items) >= b.max {
		b.items = b.items[1:]
		b.dropped++
		m.backlogDropped.Inc()
	}
	b.items = append(b.items, backlogItem{stream: stream, evs: evs})
	m.backlog.Set(float64(len(b.items)))
}

// noteAnswered counts an append whose caller got the store's failure:
// nothing to retry, but the outage is recorded all the same.
func (b *retryBacklog) noteAnswered() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.beginLocked()
	b.answered++
}

// beginLocked marks the outage's start at its first failure.
func (b *retryBacklog) beginLocked() {
	if b.failed == 0 && b.answered == 0 {
		b.since = time.Now()
	}
}

func (b *retryBacklog) peek() (backlogItem, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.items) == 0 {
		return backlogItem{}, false
	}
	return b.items[0], true
}

func (b *retryBacklog) pop(m *metrics) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.items = b.items[1:]
	m.backlog.Set(float64(len(b.items)))
}

// flush retries the backlog in order; on the first failure it stops and
// keeps the rest. When it empties after an outage it appends one
// ErrorRecorded describing the outage.
func (b *retryBacklog) flush(store events.Store, log *slog.Logger, m *metrics) {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	for {
		it, ok := b.peek()
		if !ok {
			break
		}
		if err := b.retry(store, it); err != nil {
			return
		}
		b.pop(m)
	}
	b.mu.Lock()
	o := outage{since: b.since, failed: b.failed, dropped: b.dropped, answered: b.answered}
	b.mu.Unlock()
	if (o.failed > 0 || o.answered > 0) && b.recordOutage(store, log, o) {
		b.mu.Lock()
		b.failed, b.dropped, b.answered = b.failed-o.failed, b.dropped-o.dropped, b.answered-o.answered
		b.mu.Unlock()
	}
}

// outage is what the backlog counted since the store first failed.
type outage struct {
	since                     time.Time
	failed, dropped, answered int
}

// retry appends it unless it already landed: an append that failed may
// have been stored all the same (a lost ack), so the events' ids are looked
// up in the stream first.
func (b *retryBacklog) retry(store events.Store, it backlogItem) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	if landed(ctx, store, it) {
		return nil
	}
	_, err := store.Append(ctx, it.stream, events.Any(), it.evs...)
	return err
}

// landedWindow is how far back from a stream's end a retried event is
// looked for; fire-and-forget streams (connections, errors) grow slowly.
const landedWindow = 256

func landed(ctx context.Context, store events.Store, it backlogItem) bool {
	id := it.evs[0].ID
	opts := events.ReadStreamOptions{Backwards: true, FromEnd: true, Limit: landedWindow}
	for rec, err := range store.ReadStream(ctx, it.stream, opts) {
		if err != nil {
			return false
		}
		if rec.ID == id {
			return true
		}
	}
	return false
}

func (b *retryBacklog) recordOutage(store events.Store, log *slog.Logger, o outage) bool {
	ev := events.ErrorRecorded{ErrorType: "store_unavailable", Severity: events.SeverityCritical,
		Message: fmt.Sprintf("event store appends failed from %s; %d answered unavailable, %d fire-and-forget appends were retried, %d dropped",
			o.since.UTC().Format(time.RFC3339), o.answered, o.failed-o.dropped, o.dropped),
		Context: map[string]any{"since": o.since.UTC(), "until": time.Now().UTC(), "failed": o.failed, "dropped": o.dropped, "answered": o.answered},
		At:      time.Now().UTC()}
	data, err := events.Encode(ev)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
		defer cancel()
		_, err = store.Append(ctx, events.ErrorsStream, events.Any(), data)
	}
	if err != nil {
		log.Warn("could not record store outage", "err", err)
		return false
	}
	return true
}

// withIDs gives every event an id, kept across retries, so a retry can
// tell whether a failed append landed after all.
func withIDs(evs []events.EventData) []events.EventData {
	out := slices.Clone(evs)
	for i := range out {
		if out[i].ID == "" {
			out[i].ID = newEventID()
		}
	}
	return out
}
