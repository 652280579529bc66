package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

// WAL checkpoints. SQLite's automatic checkpoint runs inside the COMMIT
// that carries the WAL past wal_autocheckpoint pages: that commit, and
// every append queued behind it, waits while the pages are copied into the
// database file and that file is synced. The writer's connection has the
// automatic checkpoint off. Instead the writer counts the pages its commits
// put into the WAL (SQLITE_DBSTATUS_CACHE_WRITE) and, past CheckpointPages,
// wakes the checkpointer: a goroutine with a connection of its own that
// runs a PASSIVE checkpoint (which waits for no one and blocks no one),
// copying the bulk of the WAL and syncing the database file while the
// writer goes on committing.
//
// SQLite starts the WAL again from its beginning only when a write
// transaction begins with every page of it copied; under continuous
// appends the checkpointer never gets there alone, since commits land
// during its run. So after each of its runs the writer, between two
// batches, checkpoints the few pages committed meanwhile (the "tail"; a
// short copy and sync instead of the whole WAL's), and its next
// transaction restarts the WAL: the file stays about CheckpointPages long.
//
// Should the checkpointer fall behind (the disk is slower than the
// appends), the writer checkpoints itself once MaxWALPages are counted,
// after the checkpointer's run in progress: appends wait meanwhile, and
// the WAL stays bounded. A reader holding a snapshot open (a long read
// transaction of another process) keeps the pages written after it in the
// WAL, as with SQLite's own automatic checkpoint: no checkpoint waits for
// it, the wal_pages gauge shows the growth, and the first checkpoint after
// it ends copies them.

// checkpointer runs PASSIVE checkpoints on its own connection when the
// writer asks for one.
type checkpointer struct {
	db      *sql.DB
	wake    chan struct{}
	pages   *atomic.Int64 // pages in the WAL since the last complete checkpoint (the writer adds)
	min     int64         // CheckpointPages: a wake-up finding fewer (a run just ended) does nothing
	metrics *metrics
	log     func(msg string, args ...any)
	mu      sync.Mutex  // held while a checkpoint runs on db
	tailDue atomic.Bool // the checkpointer ran: the writer checkpoints the tail
	wg      sync.WaitGroup
	once    sync.Once
	stop    chan struct{}
}

// newCheckpointer opens the checkpointer's connection to dir's database.
func newCheckpointer(ctx context.Context, cfg Config, pages *atomic.Int64) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(Path(cfg.Dir), false))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return &checkpointer{db: db, wake: make(chan struct{}, 1), pages: pages, min: int64(cfg.CheckpointPages),
		stop: make(chan struct{})}, nil
}

func (c *checkpointer) start() {
	c.wg.Add(1)
	go c.run()
}

func (c *checkpointer) run() {
	defer c.wg.Done()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
			if c.checkpoint("checkpointer", c.min) {
				c.tailDue.Store(true)
			}
		}
	}
}

// request wakes the checkpointer unless it is already awake.
func (c *checkpointer) request() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// checkpoint runs a PASSIVE checkpoint for by (a metric label) unless,
// once the run in progress has ended, fewer than min pages are counted;
// it reports whether it ran one.
func (c *checkpointer) checkpoint(by string, min int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages.Load() < min {
		return false
	}
	checkpoint(context.Background(), c.db, by, c.pages, c.metrics, c.log)
	return true
}

// close stops the goroutine and closes its connection.
func (c *checkpointer) close() error {
	c.once.Do(func() { close(c.stop) })
	c.wg.Wait()
	return c.db.Close()
}

// checkpoint runs PRAGMA wal_checkpoint(PASSIVE) and, when every page of
// the WAL was copied into the database, takes the pages counted before it
// from pages (the writer's next transaction restarts the WAL).
func checkpoint(ctx context.Context, db *sql.DB, by string, pages *atomic.Int64, m *metrics, log func(string, ...any)) {
	before := pages.Load()
	start := time.Now()
	var busy, walPages, copied int64
	err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walPages, &copied)
	m.checkpointTime.WithLabelValues(by).Observe(time.Since(start).Seconds())
	m.checkpoints.WithLabelValues(by).Inc()
	if err != nil {
		m.checkpointFailures.Inc()
		log("embedded: WAL checkpoint failed", "by", by, "err", err)
		return
	}
	if busy == 0 && walPages >= 0 && copied == walPages {
		pages.Add(-before)
	}
}

// walWritten reads and resets the count of pages the connection has
// written to the WAL since the last call.
func walWritten(conn *sql.Conn) (int64, error) {
	var n int
	err := conn.Raw(func(dc any) error {
		st, ok := dc.(sqlite.DBStatus)
		if !ok {
			return fmt.Errorf("driver connection %T has no status", dc)
		}
		cur, _, err := st.Status(sqlite.DBStatusCacheWrite, true)
		n = cur
		return err
	})
	return int64(n), err
}
