package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestOverloadedWhenQueueFull holds the append lock by hand, so the writer
// blocks in its transaction; the bounded queue then fills and the next
// Append gets ErrOverloaded at once. Releasing the lock lets every queued
// append commit.
func TestOverloadedWhenQueueFull(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	const queue = 4
	reg := prometheus.NewRegistry()
	st := open(t, postgres.Config{URL: url, QueueSize: queue, MaxBatch: 1, WriteTimeout: time.Minute, Metrics: reg})
	blocker := connect(t, url)
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(postgres.AppendLockKey)); err != nil {
		t.Fatal(err)
	}
	// One append is taken by the writer (blocked on the lock), queue more
	// wait in the queue.
	done := make(chan error, queue+1)
	for i := range queue + 1 {
		go func() {
			_, err := st.Append(ctx, "q", events.Any(), evn(0, i))
			done <- err
		}()
	}
	poll.Until(t, 30*time.Second, "a full queue", func() bool {
		return gauge(t, reg, "linkup_postgres_store_append_queue_depth") == queue
	})
	if _, err := st.Append(ctx, "q", events.Any(), evn(1, 0)); !errors.Is(err, events.ErrOverloaded) {
		t.Fatalf("append to a full queue: %v, want ErrOverloaded", err)
	}
	if n := gauge(t, reg, "linkup_postgres_store_append_overloaded_total"); n != 1 {
		t.Fatalf("overloaded counter %v, want 1", n)
	}
	tx.Rollback(ctx)
	for range queue + 1 {
		if err := <-done; err != nil {
			t.Fatalf("queued append: %v", err)
		}
	}
}

// gauge returns the value of the gauge or counter name in reg.
func gauge(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		if m.GetGauge() != nil {
			return m.GetGauge().GetValue()
		}
		return m.GetCounter().GetValue()
	}
	t.Fatalf("no metric %s", name)
	return 0
}
