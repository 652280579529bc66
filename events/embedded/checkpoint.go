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
// appends one run of the checkpointer never gets there, since commits land
// during it. So after its run the checkpointer copies the pages committed
// meanwhile (the "tail"; a short copy and sync instead of the whole
// WAL's), again and again while commits keep landing during these short
// runs, up to tailPasses of them. Once one finds no new commit, the
// writer's next transaction restarts the WAL: the file stays about
// CheckpointPages long. Only if commits landed during every pass must the
// writer, between two batches, checkpoint the tail itself: appends wait
// meanwhile (a pass's sync of the database file took 4 to 40 ms on a
// shared disk), which is why the checkpointer tries first.
//
// Under continuous commits (10,000 appends/s, the chats load at 10 msg/s
// per client) the short runs never find a quiet moment, and the writer
// used to checkpoint the tail at once, holding up every append queued
// behind it, every second or two. Now it does so only when its queue is
// empty (no append waits for it then, only those arriving during the
// pass), or once the WAL holds tailBound pages (2 x CheckpointPages, at
// most MaxWALPages) since it last restarted; either way only when the
// checkpointer is not in a run (a long one took up to 400 ms on a busy
// disk, and a writer waiting for it held every append up as long), unless
// the WAL holds MaxWALPages since it restarted. Until then the writer
// wakes the checkpointer once per CheckpointPages/tailNudge pages for
// retryPasses more short runs: one finding no new commit still restarts
// the WAL, and each leaves the writer's eventual pass less to copy (waking
// it after every commit made it run about 330 short runs in a 10 s chats
// run instead of 60, each a sync of the database file beside the
// commits' syncs). The WAL file is preallocated to tailBound pages and a
// quarter of CheckpointPages (prealloc.go), so that its growth to about
// tailBound does not make the commits meanwhile sync a growing file
// (SQLite does not shorten the WAL when it restarts it, so without the
// preallocation the file grew once, then was overwritten in place).
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
	db        *sql.DB
	wake      chan struct{}
	pages     *atomic.Int64  // pages in the WAL since the last complete checkpoint (the writer adds)
	txns      *atomic.Uint64 // the writer's transactions begun plus ended (odd: one is open)
	min       int64          // CheckpointPages: a wake-up finding fewer (a run just ended) does nothing
	metrics   *metrics
	log       func(msg string, args ...any)
	mu        sync.Mutex    // held while a checkpoint runs on db
	active    atomic.Bool   // the checkpointer is in a run (its long checkpoint and short passes)
	ended     chan struct{} // a run ended (buffered): wakes the writer for the index move's idle steps (idle.go)
	tailDue   atomic.Bool   // the checkpointer could not finish the tail: the writer checkpoints it
	restarted atomic.Bool   // the checkpointer finished the tail: the writer's next transaction restarts the WAL
	wg        sync.WaitGroup
	once      sync.Once
	stop      chan struct{}
}

// newCheckpointer opens the checkpointer's connection to dir's database.
func newCheckpointer(ctx context.Context, cfg Config, pages *atomic.Int64, txns *atomic.Uint64) (*checkpointer, error) {
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
	return &checkpointer{db: db, wake: make(chan struct{}, 1), ended: make(chan struct{}, 1), pages: pages, txns: txns, min: int64(cfg.CheckpointPages),
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
			c.active.Store(true)
			c.wakeUp()
			c.active.Store(false)
			select {
			case c.ended <- struct{}{}:
			default:
			}
		}
	}
}

// wakeUp is one run of the checkpointer: a long checkpoint if CheckpointPages
// are in the WAL, then short passes over the tail until one finds the
// writer quiet (or after a wake-up of the writer's while the tail is due,
// short passes only).
func (c *checkpointer) wakeUp() {
	passes := tailPasses
	if ran, _ := c.checkpoint("checkpointer", c.min); !ran {
		if !c.tailDue.Load() {
			return
		}
		passes = retryPasses
	}
	if c.finish(passes) {
		c.tailDue.Store(false)
		c.restarted.Store(true)
	} else {
		c.tailDue.Store(true)
	}
}

// request wakes the checkpointer unless it is already awake.
func (c *checkpointer) request() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

const (
	// tailPasses bounds the checkpointer's short runs after a long one
	// (see finish), and retryPasses those after a wake-up of the writer's
	// while the tail is due, one per tailNudge (a fraction of
	// CheckpointPages) pages committed.
	tailPasses  = 16
	retryPasses = 4
	tailNudge   = 8
)

// checkpoint runs a PASSIVE checkpoint for by (a metric label) unless,
// once the run in progress has ended, fewer than min pages are counted;
// it reports whether it ran one, and its outcome.
func (c *checkpointer) checkpoint(by string, min int64) (bool, ckptResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages.Load() < min {
		return false, ckptResult{}
	}
	return true, checkpoint(context.Background(), c.db, by, c.pages, c.metrics, c.log)
}

// tail runs the writer's checkpoint of the tail for by: at once if wait,
// else only if the checkpointer is not in a run (it reports false then,
// and nothing ran). It reports whether it ran, and its outcome.
func (c *checkpointer) tail(by string, wait bool) (bool, ckptResult) {
	if wait {
		c.mu.Lock()
	} else if !c.mu.TryLock() {
		return false, ckptResult{}
	}
	defer c.mu.Unlock()
	return true, checkpoint(context.Background(), c.db, by, c.pages, c.metrics, c.log)
}

// tailNow says whether the writer, whose queue holds queued appends,
// checkpoints the tail the checkpointer could not finish now: when no
// append waits, or when the WAL holds walLen >= bound pages since it last
// restarted (the WAL should not grow further), if the checkpointer is not
// in a run (see tail).
func tailNow(queued int, walLen, bound int64) bool {
	return queued == 0 || walLen >= bound
}

// tailBound is how many pages the WAL may hold since it last restarted
// before the writer checkpoints the tail whatever waits: twice
// CheckpointPages, at most MaxWALPages.
func tailBound(cfg Config) int64 {
	return int64(min(2*cfg.CheckpointPages, cfg.MaxWALPages))
}

// finish runs at most passes short checkpoints after the long one (or
// after a wake-up of the writer's while the tail is due), each copying
// the pages committed during the one before, until one copies every page
// with no transaction of the writer's open or begun during it: the WAL is
// then wholly copied, and the writer's next transaction, beginning after
// that, restarts it (one begun earlier would not). It reports whether it
// got there; it gives up after passes runs, or once the writer has
// committed CheckpointPages/2 pages since it began (the WAL file grows
// until it is restarted).
func (c *checkpointer) finish(passes int) bool {
	start := c.pages.Load()
	for range passes {
		select {
		case <-c.stop:
			return false
		default:
		}
		before, txns := c.pages.Load(), c.txns.Load()
		if before-start > c.min/2 {
			return false
		}
		res := c.pass()
		quiet := txns%2 == 0 && c.txns.Load() == txns
		if quiet && res.complete() {
			c.pages.Add(-before)
			return true
		}
	}
	return false
}

// pass runs one of finish's short checkpoints. The pages it copies stay
// counted until finish knows that the WAL will be restarted.
func (c *checkpointer) pass() ckptResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	return checkpoint(context.Background(), c.db, "checkpointer_tail", nil, c.metrics, c.log)
}

// close stops the goroutine and closes its connection.
func (c *checkpointer) close() error {
	c.once.Do(func() { close(c.stop) })
	c.wg.Wait()
	return c.db.Close()
}

// ckptResult is what PRAGMA wal_checkpoint returns: whether it was
// blocked, the frames in the WAL when it began, and how many of them are
// copied into the database.
type ckptResult struct {
	busy, frames, copied int64
	failed               bool
}

// complete reports whether every frame in the WAL when the checkpoint
// began has been copied.
func (r ckptResult) complete() bool {
	return !r.failed && r.busy == 0 && r.frames >= 0 && r.copied == r.frames
}

// checkpoint runs PRAGMA wal_checkpoint(PASSIVE) and, when every page of
// the WAL was copied into the database, takes the pages counted before it
// from pages (if not nil): the writer's next transaction restarts the WAL,
// or the writer checkpoints the tail first.
func checkpoint(ctx context.Context, db *sql.DB, by string, pages *atomic.Int64, m *metrics, log func(string, ...any)) ckptResult {
	var before int64
	if pages != nil {
		before = pages.Load()
	}
	start := time.Now()
	var r ckptResult
	err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&r.busy, &r.frames, &r.copied)
	m.checkpointTime.WithLabelValues(by).Observe(time.Since(start).Seconds())
	m.checkpoints.WithLabelValues(by).Inc()
	if err != nil {
		m.checkpointFailures.Inc()
		log("embedded: WAL checkpoint failed", "by", by, "err", err)
		return ckptResult{failed: true}
	}
	if r.complete() && pages != nil {
		pages.Add(-before)
	}
	return r
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
