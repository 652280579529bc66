package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestOverlappingAppendsNeverSkipped plays the dangerous interleaving: an
// appender (by hand, on its own connection, following the writer's
// protocol) takes the next position and stays uncommitted while a second
// appender (another Store, as another process) appends and a subscriber
// (a third Store) is live. The second appender must not take a later
// position and commit first: it waits for the append lock, so the
// subscriber cannot see a later position and move past the earlier one.
// Then the first commits, and the subscriber must get both, in order.
func TestOverlappingAppendsNeverSkipped(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	reader := open(t, postgres.Config{URL: url, PollInterval: 20 * time.Millisecond})
	writer := open(t, postgres.Config{URL: url})
	if _, err := writer.Append(ctx, "before", events.Any(), evn(0, 0)); err != nil {
		t.Fatal(err)
	}
	sub := startSub(t, ctx, reader, events.SubscribeOptions{})
	sub.waitCaughtUp(t)

	first := connect(t, url)
	tx, err := first.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(postgres.AppendLockKey)); err != nil {
		t.Fatal(err)
	}
	var early int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position), 0) + 1 FROM linkup_events").Scan(&early); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO linkup_events (position, stream, revision, id, type, time, data, metadata)
		VALUES ($1, 'early', 0, gen_random_uuid(), 'PgTestNumbered', now(), '{"g":1,"n":0}', '{}')`, early)
	if err != nil {
		t.Fatal(err)
	}

	type result struct {
		res events.AppendResult
		err error
	}
	second := make(chan result, 1)
	go func() {
		res, err := writer.Append(ctx, "late", events.Any(), evn(2, 0))
		second <- result{res, err}
	}()
	probe := connect(t, url)
	poll.Until(t, 30*time.Second, "the second appender to wait for the append lock", func() bool {
		var waiting bool
		probe.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)`).Scan(&waiting)
		return waiting
	})
	select {
	case r := <-second:
		t.Fatalf("second append finished (%+v, %v) while the first was uncommitted", r.res, r.err)
	default:
	}
	if h, err := reader.Head(ctx); err != nil || h >= uint64(early) {
		t.Fatalf("head %d (%v) while position %d is uncommitted", h, err, early)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-second
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.res.Position <= uint64(early) {
		t.Fatalf("second append at %d, not after the first (%d)", r.res.Position, early)
	}
	got := sub.events(t, 2)
	if got[0].Stream != "early" || got[1].Stream != "late" || got[0].Position != uint64(early) {
		t.Fatalf("subscriber got %s@%d, %s@%d; want early@%d then late", got[0].Stream, got[0].Position,
			got[1].Stream, got[1].Position, early)
	}
}
