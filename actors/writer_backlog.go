package actors

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// retryBacklog holds fire-and-forget appends that failed, oldest first, up
// to a bound; it remembers when the outage began and how much it dropped so
// the outage can be recorded once the store is back.
type retryBacklog struct {
	mu      sync.Mutex
	items   []backlogItem
	max     int
	since   time.Time
	failed  int
	dropped int
}

type backlogItem struct {
	stream string
	evs    []events.EventData
}

func newRetryBacklog(max int) *retryBacklog { return &retryBacklog{max: max} }

func (b *retryBacklog) add(stream string, evs []events.EventData, m *metrics) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failed == 0 {
		b.since = time.Now()
	}
	b.failed++
	if len(b.items) >= b.max {
		b.items = b.items[1:]
		b.dropped++
		m.backlogDropped.Inc()
	}
	b.items = append(b.items, backlogItem{stream: stream, evs: evs})
	m.backlog.Set(float64(len(b.items)))
}

// flush retries the backlog in order; on the first failure it stops and
// keeps the rest. When it empties after an outage it appends one
// ErrorRecorded describing the outage.
func (b *retryBacklog) flush(store events.Store, log *slog.Logger, m *metrics) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.items) > 0 {
		it := b.items[0]
		if _, err := store.Append(context.Background(), it.stream, events.Any(), it.evs...); err != nil {
			return
		}
		b.items = b.items[1:]
		m.backlog.Set(float64(len(b.items)))
	}
	if b.failed > 0 {
		b.recordOutage(store, log)
	}
}

func (b *retryBacklog) recordOutage(store events.Store, log *slog.Logger) {
	ev := events.ErrorRecorded{ErrorType: "store_unavailable", Severity: events.SeverityCritical,
		Message: fmt.Sprintf("event store appends failed from %s; %d fire-and-forget appends were retried, %d dropped",
			b.since.UTC().Format(time.RFC3339), b.failed-b.dropped, b.dropped),
		Context: map[string]any{"since": b.since.UTC(), "until": time.Now().UTC(), "failed": b.failed, "dropped": b.dropped},
		At:      time.Now().UTC()}
	data, err := events.Encode(ev)
	if err == nil {
		_, err = store.Append(context.Background(), events.ErrorsStream, events.Any(), data)
	}
	if err != nil {
		log.Warn("could not record store outage", "err", err)
		return
	}
	b.failed, b.dropped = 0, 0
}
