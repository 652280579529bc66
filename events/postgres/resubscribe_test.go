package postgres_test

import (
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestSubscriptionSurvivesTerminatedBackends terminates every backend of
// the database (pool connections and the LISTEN connection) under a live,
// filtered subscription whose poll interval is an hour, so that only a
// re-established LISTEN can wake it: events appended afterwards by another
// Store must still arrive, and the filter must still hold.
func TestSubscriptionSurvivesTerminatedBackends(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	reader := open(t, postgres.Config{URL: url, PollInterval: time.Hour})
	writer := open(t, postgres.Config{URL: url})
	sub := startSub(t, ctx, reader, events.SubscribeOptions{Filter: events.Filter{StreamPrefixes: []string{"chat-"}}})
	sub.waitCaughtUp(t)
	for round := range 3 {
		admin := connect(t, url)
		var killed int
		err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed)
		if err != nil || killed == 0 {
			t.Fatalf("round %d: terminated %d backends: %v", round, killed, err)
		}
		// The writer's pool lost its connections too: its first append may
		// fail (unavailable), never succeed falsely; retry until it works.
		poll.Until(t, 30*time.Second, "an append after the kill", func() bool {
			_, err := writer.Append(ctx, "other-x", events.Any(), evn(round, -1))
			return err == nil
		})
		if _, err := writer.Append(ctx, "chat-c", events.Any(), evn(round, 0)); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		got := sub.events(t, 1)
		if got[0].Stream != "chat-c" || numOf(t, got[0]) != (num{G: round}) {
			t.Fatalf("round %d: got %s %s", round, got[0].Stream, got[0].Data)
		}
	}
}
