package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestAcknowledgedAppendsSurviveKill9 appends from 16 goroutines while
// PostgreSQL (postmaster and every backend) is killed with SIGKILL and
// restarted, twice. The same Store keeps going by itself across the
// restarts. Afterwards a fresh Store must find every acknowledged append
// exactly once, where it was acknowledged, with gap-free revisions; an
// append that failed (outcome unknown) may be there, but at most once.
//
// The second run asks for synchronous_commit=off in the URL: the store must
// still commit durably (without its override this run loses appends).
func TestAcknowledgedAppendsSurviveKill9(t *testing.T) {
	srv := pgtest.Start(t)
	t.Run("default", func(t *testing.T) { crashRun(t, srv, srv.NewDatabase(t)) })
	t.Run("asynchronous-commit-url", func(t *testing.T) {
		crashRun(t, srv, srv.NewDatabase(t)+"&synchronous_commit=off")
	})
}

func crashRun(t *testing.T, srv *pgtest.Server, url string) {
	ctx := testCtx(t)
	st := open(t, postgres.Config{URL: url, WriteTimeout: 3 * time.Second, ConnectTimeout: time.Second})
	const appenders = 16
	var acked atomic.Int64
	var stop atomic.Bool
	logs := make([]*appendLog, appenders)
	var wg sync.WaitGroup
	for g := range appenders {
		logs[g] = &appendLog{acked: map[string]events.AppendResult{}}
		wg.Go(func() { logs[g].run(ctx, st, fmt.Sprintf("crash-%d", g), &acked, &stop) })
	}
	for cycle := range 2 {
		target := acked.Load() + 200
		poll.Until(t, time.Minute, "appends before the kill", func() bool { return acked.Load() >= target })
		srv.Kill(t)
		failedBefore := totalFailed(logs)
		poll.Until(t, time.Minute, "appends failing while PostgreSQL is down", func() bool { return totalFailed(logs) > failedBefore })
		srv.Restart(t)
		target = acked.Load() + 200
		poll.Until(t, time.Minute, fmt.Sprintf("appends after restart %d", cycle+1), func() bool { return acked.Load() >= target })
	}
	stop.Store(true)
	wg.Wait()

	check := open(t, postgres.Config{URL: url})
	for g, l := range logs {
		l.verify(t, ctx, check, fmt.Sprintf("crash-%d", g))
	}
	t.Logf("%d appends acknowledged, %d failed during the outages", acked.Load(), totalFailed(logs))
}

// appendLog is one appender's record: acknowledged appends by event id
// and the ids of appends whose outcome is unknown.
type appendLog struct {
	mu      sync.Mutex
	acked   map[string]events.AppendResult
	unknown []string
	failed  int
}

func (l *appendLog) run(ctx context.Context, st events.Store, stream string, acked *atomic.Int64, stop *atomic.Bool) {
	for i := 0; !stop.Load() && ctx.Err() == nil; i++ {
		ev := evn(0, i)
		ev.ID = uuid.NewString()
		res, err := st.Append(ctx, stream, events.Any(), ev)
		l.mu.Lock()
		if err == nil {
			l.acked[ev.ID] = res
		} else {
			l.unknown = append(l.unknown, ev.ID)
			l.failed++
		}
		l.mu.Unlock()
		if err == nil {
			acked.Add(1)
		} else {
			time.Sleep(20 * time.Millisecond) // the appender's back-off while PostgreSQL is down, not a poll
		}
	}
}

func totalFailed(logs []*appendLog) int {
	n := 0
	for _, l := range logs {
		l.mu.Lock()
		n += l.failed
		l.mu.Unlock()
	}
	return n
}

func (l *appendLog) verify(t *testing.T, ctx context.Context, st events.Store, stream string) {
	recs := readStream(t, ctx, st, stream)
	checkGapFree(t, stream, recs)
	seen := map[string]events.RecordedEvent{}
	for _, r := range recs {
		if _, dup := seen[r.ID]; dup {
			t.Fatalf("%s: event %s stored twice", stream, r.ID)
		}
		seen[r.ID] = r
	}
	for id, res := range l.acked {
		r, ok := seen[id]
		switch {
		case !ok:
			t.Fatalf("%s: acknowledged append %s (revision %d) lost", stream, id, res.NextExpectedRevision)
		case r.Revision != res.NextExpectedRevision || r.Position != res.Position:
			t.Fatalf("%s: %s at revision %d position %d, acknowledged at %d/%d", stream, id,
				r.Revision, r.Position, res.NextExpectedRevision, res.Position)
		}
	}
	if len(recs) > len(l.acked)+len(l.unknown) {
		t.Fatalf("%s: %d events stored, only %d appended", stream, len(recs), len(l.acked)+len(l.unknown))
	}
}
