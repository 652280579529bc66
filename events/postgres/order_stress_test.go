package postgres_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestSubscribersMissNothingUnderConcurrentStores has three Stores (as
// three processes) append concurrently, with single- and multi-event
// appends, while two subscriptions on two other Stores (one filtered by
// stream prefix, one by type) follow live. Each subscription must deliver
// exactly what a ReadAll with the same filter finds afterwards: same
// events, same order, nothing skipped or doubled at any commit boundary.
func TestSubscribersMissNothingUnderConcurrentStores(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	writers := []*postgres.Store{open(t, postgres.Config{URL: url}), open(t, postgres.Config{URL: url}), open(t, postgres.Config{URL: url})}
	byPrefix := events.Filter{StreamPrefixes: []string{"chat-"}}
	byType := events.Filter{EventTypes: []string{"PgTestNumbered"}}
	subs := []*sub{
		startSub(t, ctx, open(t, postgres.Config{URL: url}), events.SubscribeOptions{Filter: byPrefix}),
		startSub(t, ctx, open(t, postgres.Config{URL: url}), events.SubscribeOptions{Filter: byType}),
	}
	for _, s := range subs {
		s.waitCaughtUp(t)
	}
	const perGoroutine, goroutinesPerStore = 40, 4
	other := events.EventData{Type: "PgTestOther", Data: []byte(`{}`)}
	var wg sync.WaitGroup
	for w, st := range writers {
		for g := range goroutinesPerStore {
			wg.Go(func() {
				for i := range perGoroutine {
					stream := fmt.Sprintf("chat-%d-%d", w, g)
					if i%3 == 0 {
						stream = fmt.Sprintf("conn-%d-%d", w, g)
					}
					evs := []events.EventData{evn(w*10+g, i)}
					if i%4 == 0 {
						evs = append(evs, other, evn(w*10+g, -i))
					}
					if _, err := st.Append(ctx, stream, events.Any(), evs...); err != nil {
						t.Errorf("append: %v", err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	reader := open(t, postgres.Config{URL: url})
	for k, f := range []events.Filter{byPrefix, byType} {
		var want []events.RecordedEvent
		for rec, err := range reader.ReadAll(ctx, events.ReadAllOptions{Filter: f}) {
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, rec)
		}
		got := subs[k].events(t, len(want))
		for i := range want {
			if got[i].Position != want[i].Position || got[i].ID != want[i].ID {
				t.Fatalf("subscription %d, event %d: got %s@%d, ReadAll has %s@%d", k, i,
					got[i].Stream, got[i].Position, want[i].Stream, want[i].Position)
			}
		}
		t.Logf("subscription %d delivered all %d matching events in order", k, len(want))
	}
}
