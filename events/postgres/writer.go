package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/linkup-chat/linkup/events"
)

// appendLockKey is the transaction-scoped advisory lock every append
// transaction takes before it reads the log's head: see doc.go, "Global
// order".
const appendLockKey = 0x6c696e6b7570_00

// maxChunkBytes bounds one INSERT statement's data, far below
// PostgreSQL's 1 GiB message limit.
const maxChunkBytes = 32 << 20

// writer is the goroutine that gathers queued appends into batches of up to
// MaxBatch and commits each batch in one transaction: one WAL flush for all
// of them.
type writer struct {
	s       *Store
	queue   chan *appendReq
	stopped chan struct{}
	once    sync.Once
	// afterLock, when set (by tests only, before the first append), runs
	// while the batch's transaction holds the append lock between its two
	// round trips: a stand-in for a process frozen at that moment.
	afterLock func()
}

func newWriter(s *Store) *writer {
	return &writer{s: s, queue: make(chan *appendReq, s.cfg.QueueSize), stopped: make(chan struct{})}
}

// busyBatch is the batch size from which the writer yields once before
// gathering the next batch (see the embedded store's writer).
const busyBatch = 32

func (w *writer) run() {
	defer close(w.stopped)
	batch := make([]*appendReq, 0, w.s.cfg.MaxBatch)
	for req := range w.queue {
		batch = w.gather(append(batch[:0], req))
		w.commitBatch(batch)
		if len(batch) >= busyBatch {
			runtime.Gosched()
		}
		clear(batch)
	}
}

func (w *writer) gather(batch []*appendReq) []*appendReq {
	for len(batch) < w.s.cfg.MaxBatch {
		select {
		case req, ok := <-w.queue:
			if !ok {
				return batch
			}
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

// stop closes the queue (Close has already refused new appends) and waits
// for the writer to answer what it holds.
func (w *writer) stop() {
	w.once.Do(func() { close(w.queue) })
	<-w.stopped
}

// commitBatch commits the batch and answers every caller in it. When the
// database refuses the batch's data (not a connection problem), each
// append is retried alone so that one bad append fails alone.
func (w *writer) commitBatch(batch []*appendReq) {
	results := make([]appendResp, len(batch))
	err := w.tryBatch(batch, results)
	if err != nil && len(batch) > 1 && isDataError(err) {
		w.s.cfg.Logger.Warn("postgres: batch refused, retrying appends one by one", "appends", len(batch), "err", err)
		for i, req := range batch {
			one := []appendResp{{}}
			if e := w.tryBatch([]*appendReq{req}, one); e != nil && one[0].err == nil {
				one[0].err = w.appendErr(req, e)
			}
			results[i] = one[0]
		}
		err = nil
	}
	w.answer(batch, results, err)
}

func (w *writer) answer(batch []*appendReq, results []appendResp, err error) {
	n := 0
	for i, req := range batch {
		r := results[i]
		if err != nil && r.err == nil {
			r = appendResp{err: w.appendErr(req, err)}
		}
		if r.err == nil {
			n += len(req.rows)
		}
		req.done <- r
		w.s.metrics.latency.Observe(time.Since(req.queued).Seconds())
	}
	if err != nil {
		w.s.metrics.failures.Inc()
	}
	w.s.metrics.batchSize.Observe(float64(len(batch)))
	w.s.metrics.appended.Add(float64(n))
}

func (w *writer) appendErr(req *appendReq, err error) error {
	if isDataError(err) {
		return fmt.Errorf("postgres: append %s: refused by the database: %v: %w", req.stream, err, events.ErrInvalidEvent)
	}
	if isLockTimeout(err) {
		return fmt.Errorf("postgres: append %s: %w: the append lock was not granted within %v (another process on this log holds it)",
			req.stream, ErrUnavailable, w.s.cfg.LockTimeout)
	}
	return fmt.Errorf("postgres: append %s: %w: %s", req.stream, ErrUnavailable, redact(w.s.cfg.URL, err.Error()))
}

// isDataError reports whether PostgreSQL refused the data itself (data
// exception, integrity violation, program limit) rather than failing.
func isDataError(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || len(pgErr.Code) < 2 {
		return false
	}
	switch pgErr.Code[:2] {
	case "22", "23", "54":
		return true
	}
	return false
}

// isLockTimeout reports whether err is PostgreSQL's lock_not_available,
// which lock_timeout raises.
func isLockTimeout(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03"
}

// tryBatch runs the batch's transaction: lock, read heads, check expected
// revisions (conflicts are answered in results and write nothing), insert
// the rest, notify, commit. Two round trips plus the commit's WAL flush.
func (w *writer) tryBatch(batch []*appendReq, results []appendResp) error {
	ctx, cancel := context.WithTimeout(context.Background(), w.s.cfg.WriteTimeout)
	defer cancel()
	conn, err := w.s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	last, heads, err := w.begin(ctx, conn, batch)
	if err != nil {
		return rollback(ctx, conn, err)
	}
	if w.afterLock != nil {
		w.afterLock()
	}
	p := plan(batch, results, last, heads)
	if p.rows == 0 {
		return rollback(ctx, conn, nil)
	}
	if err := w.insertCommit(ctx, conn, batch, results, p); err != nil {
		return rollback(ctx, conn, err)
	}
	w.s.notify.broadcast()
	return nil
}

const (
	// durableSQL turns synchronous_commit back on for the transaction when
	// the server, database, role or URL turned it off: an acknowledged
	// append must survive a crash. Stronger settings (remote_apply) are
	// kept.
	durableSQL = `SELECT set_config('synchronous_commit', 'on', true)
	WHERE current_setting('synchronous_commit') = 'off'`
	// lockTimeoutSQL bounds the wait for the append lock in this
	// transaction only (Config.LockTimeout).
	lockTimeoutSQL = `SELECT set_config('lock_timeout', $1, true)`
	headsSQL       = `SELECT s.name, (SELECT e.revision FROM linkup_events e WHERE e.stream = s.name
	ORDER BY e.revision DESC LIMIT 1) FROM unnest($1::text[]) AS s(name)`
	insertSQL = `INSERT INTO linkup_events (position, stream, revision, id, type, time, data, metadata)
SELECT p, s, r, i, t, clock_timestamp(), d, m FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::text[]) AS x(p, s, r, i, t, d, m)`
)

// begin opens the transaction, takes the append lock and reads the head
// position and the batch's streams' last revisions, in one round trip.
func (w *writer) begin(ctx context.Context, conn *pgxpool.Conn, batch []*appendReq) (int64, map[string]int64, error) {
	names := make([]string, 0, len(batch))
	seen := make(map[string]bool, len(batch))
	for _, req := range batch {
		if !seen[req.stream] {
			seen[req.stream] = true
			names = append(names, req.stream)
		}
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(durableSQL)
	b.Queue(lockTimeoutSQL, millis(w.s.cfg.LockTimeout))
	b.Queue("SELECT pg_advisory_xact_lock($1)", int64(appendLockKey))
	b.Queue(headSQL)
	b.Queue(headsSQL, names)
	br := conn.SendBatch(ctx, b)
	defer br.Close()
	for range 4 { // BEGIN, durableSQL, lockTimeoutSQL, lock
		if _, err := br.Exec(); err != nil {
			return 0, nil, err
		}
	}
	var last int64
	if err := br.QueryRow().Scan(&last); err != nil {
		return 0, nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return 0, nil, err
	}
	heads := make(map[string]int64, len(names))
	var name string
	var rev *int64
	_, err = pgx.ForEachRow(rows, []any{&name, &rev}, func() error {
		if rev != nil {
			heads[name] = *rev
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return last, heads, br.Close()
}

// rollback ends a failed or empty transaction; a connection that cannot
// even roll back is closed so the pool does not hand it out again.
func rollback(ctx context.Context, conn *pgxpool.Conn, cause error) error {
	if _, err := conn.Exec(ctx, "ROLLBACK"); err != nil {
		conn.Conn().Close(context.Background())
	}
	return cause
}
