package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestRefusedAppendFailsAlone puts 20 good appends and one that PostgreSQL
// refuses (a stream name too long for the (stream, revision) index) into
// one batch, by holding the append lock while they queue: the batch fails,
// the writer retries each append alone, and only the bad one fails (with
// ErrInvalidEvent), the others are stored.
func TestRefusedAppendFailsAlone(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	reg := prometheus.NewRegistry()
	st := open(t, postgres.Config{URL: url, WriteTimeout: time.Minute, Metrics: reg})
	blocker := connect(t, url)
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(postgres.AppendLockKey)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4000)
	rand.Read(b)
	bad := hex.EncodeToString(b) // 8,000 incompressible bytes
	const good = 20
	errs := make(chan error, good+2)
	go func() {
		_, err := st.Append(ctx, "first", events.Any(), evn(0, 0))
		errs <- err
	}()
	// The first append goes to the writer, which waits for the lock; the
	// rest queue behind it and form the next batch.
	poll.Until(t, 30*time.Second, "the writer to wait for the lock", func() bool {
		var waiting bool
		blocker.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)").Scan(&waiting)
		return waiting
	})
	go func() {
		_, err := st.Append(ctx, bad, events.Any(), evn(0, 0))
		errs <- err
	}()
	for i := range good {
		go func() {
			_, err := st.Append(ctx, fmt.Sprintf("ok-%d", i), events.NoStream(), evn(1, i))
			errs <- err
		}()
	}
	poll.Until(t, 30*time.Second, "all appends queued", func() bool {
		return gauge(t, reg, "linkup_postgres_store_append_queue_depth") == good+1
	})
	tx.Rollback(ctx)
	var refused, stored int
	for range good + 2 {
		switch err := <-errs; {
		case err == nil:
			stored++
		case errors.Is(err, events.ErrInvalidEvent):
			refused++
		default:
			t.Fatalf("append: %v", err)
		}
	}
	if refused != 1 || stored != good+1 {
		t.Fatalf("%d refused, %d stored; want 1 and %d", refused, stored, good+1)
	}
	if n := gauge(t, reg, "linkup_postgres_store_batch_failures_total"); n != 0 {
		t.Fatalf("%v batch failures counted; a refused append is not an outage", n)
	}
	for i := range good {
		if recs := readStream(t, ctx, st, fmt.Sprintf("ok-%d", i)); len(recs) != 1 {
			t.Fatalf("ok-%d holds %d events", i, len(recs))
		}
	}
}
