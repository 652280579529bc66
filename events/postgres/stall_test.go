package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestFrozenLockHolderDoesNotStallTheLog freezes one store's writer while
// its batch holds the append lock, idle in transaction, as a linkup
// process stopped with SIGSTOP or cut off from the network would leave it
// (issue #15). With the default Config, PostgreSQL ends that session after
// IdleInTransactionTimeout: another store's append, which waits for the
// lock meanwhile, succeeds. When the frozen writer wakes, its append is
// reported failed (ErrUnavailable), nothing of it is stored, and the store
// goes on with a fresh connection.
//
// Without the timeout the other append waits for the lock until its
// WriteTimeout (a minute here) and fails.
func TestFrozenLockHolderDoesNotStallTheLog(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	observer := connect(t, url)
	frozen := open(t, postgres.Config{URL: url, WriteTimeout: time.Minute})
	held, release := make(chan struct{}), make(chan struct{})
	var once, thaw sync.Once
	postgres.StallAfterLock(frozen, func() { once.Do(func() { close(held); <-release }) })
	t.Cleanup(func() { thaw.Do(func() { close(release) }) }) // before frozen.Close

	frozenErr := make(chan error, 1)
	go func() {
		_, err := frozen.Append(ctx, streamName(t, "frozen"), events.NoStream(), evn(0, 0))
		frozenErr <- err
	}()
	select {
	case <-held:
	case <-ctx.Done():
		t.Fatal("the frozen store's batch never took the append lock")
	}
	poll.Until(t, 30*time.Second, "the frozen session idle in transaction with the lock", func() bool {
		var n int
		observer.QueryRow(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
			WHERE l.locktype = 'advisory' AND l.granted AND a.state = 'idle in transaction'`).Scan(&n)
		return n == 1
	})

	// The other store waits for the lock longer than the frozen session
	// can sit idle, so only the server's timeout can let it through.
	other := open(t, postgres.Config{URL: url, WriteTimeout: time.Minute, LockTimeout: 45 * time.Second})
	start := time.Now()
	res, err := other.Append(ctx, streamName(t, "other"), events.NoStream(), evn(1, 0))
	if err != nil {
		t.Fatalf("append while another store's session holds the lock frozen: %v", err)
	}
	t.Logf("other store's append acknowledged after %v (IdleInTransactionTimeout default %v)",
		time.Since(start).Round(time.Millisecond), postgres.DefaultIdleInTransactionTimeout)

	thaw.Do(func() { close(release) })
	err = <-frozenErr
	if !errors.Is(err, postgres.ErrUnavailable) {
		t.Fatalf("frozen store's append: %v; want ErrUnavailable", err)
	}
	t.Logf("frozen store's append, after it woke: %v", err)
	for rec, err := range other.ReadStream(ctx, streamName(t, "frozen"), events.ReadStreamOptions{}) {
		if !errors.Is(err, events.ErrStreamNotFound) {
			t.Fatalf("the failed append was stored, or the read failed: %+v, %v", rec, err)
		}
	}
	if recs := readStream(t, ctx, other, streamName(t, "other")); len(recs) != 1 || recs[0].Position != res.Position {
		t.Fatalf("other stream: %+v; want one event at position %d", recs, res.Position)
	}
	again, err := frozen.Append(ctx, streamName(t, "frozen"), events.NoStream(), evn(0, 1))
	if err != nil {
		t.Fatalf("frozen store after it woke: %v", err)
	}
	if again.Position != res.Position+1 {
		t.Fatalf("frozen store's next append at position %d; want %d", again.Position, res.Position+1)
	}
}

// TestLockWaitEndsAtLockTimeout holds the append lock from a plain
// connection (no idle timeout on it) and appends through a store with a
// short LockTimeout and a long WriteTimeout: the append fails with
// ErrUnavailable saying the lock was not granted, and the server has
// dropped the wait; a client-side deadline alone would leave the backend
// queued for the lock. The store appends again once the lock is free.
func TestLockWaitEndsAtLockTimeout(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	st := open(t, postgres.Config{URL: url, WriteTimeout: time.Minute, LockTimeout: time.Second})
	blocker := connect(t, url)
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(postgres.AppendLockKey)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = st.Append(ctx, streamName(t, "s"), events.NoStream(), evn(0, 0))
	if !errors.Is(err, postgres.ErrUnavailable) || !strings.Contains(err.Error(), "append lock was not granted") {
		t.Fatalf("append while the lock is held: %v; want ErrUnavailable, lock not granted", err)
	}
	t.Logf("append failed after %v: %v", time.Since(start).Round(time.Millisecond), err)
	var waiting int
	if err := connect(t, url).QueryRow(ctx, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	if waiting != 0 {
		t.Fatalf("%d backends still wait for the append lock after the append failed", waiting)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, streamName(t, "s"), events.NoStream(), evn(0, 1)); err != nil {
		t.Fatalf("append once the lock is free: %v", err)
	}
}
