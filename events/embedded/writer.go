package embedded

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// writer is the one goroutine that writes: it gathers queued appends into
// batches of up to MaxBatch, checks each one's expected revision against the
// heads cache, inserts all of them in one transaction and answers every
// caller after the commit (one fsync per batch).
type writer struct {
	cfg     Config
	db      *sql.DB
	conn    *sql.Conn
	queue   chan *appendReq
	notify  *notifier
	feed    *feed
	metrics *metrics
	heads   *heads
	ins     *inserter
	idx     *mover                 // the unindexed tail, and the move into the indexes (index.go)
	idxSQL  *indexSQL              // the move's statements
	streamQ *sql.Stmt              // a stream's id by name
	headQ   *sql.Stmt              // a stream's last revision by id
	raw     *rawConn               // the driver statements of every commit (rawexec.go)
	beginS  driver.StmtExecContext // BEGIN IMMEDIATE
	commitS driver.StmtExecContext // COMMIT
	ckpt    *checkpointer
	window  *window      // the adaptive group-commit window (window.go)
	waits   atomic.Int64 // batches the window held open

	syncNormal bool         // the connection is at synchronous=NORMAL: an idle step ran last (idle.go)
	idleSteps  atomic.Int64 // idle steps committed
	closing    atomic.Bool  // shutdown has begun: no more idle steps

	walPages atomic.Int64  // pages committed to the WAL since its last complete checkpoint
	walLen   int64         // pages committed to the WAL since it last restarted (at most; checkpoint.go)
	nudgeAt  int64         // walLen at which the writer next wakes the checkpointer while the tail is due
	tailRows atomic.Int64  // the tail's events, as committed (bounded by maxTail plus one commit)
	marked   atomic.Uint64 // the indexes' watermark, as committed (index.go)
	txns     atomic.Uint64 // transactions begun plus ended: odd while one is open (checkpoint.go)

	next                uint64        // last position handed out (tentative in a batch)
	committed           atomic.Uint64 // last committed position
	lastStream          int64         // last stream id handed out (tentative in a batch)
	lastStreamCommitted int64         // last stream id committed
	newStreams          []newStream   // streams rows of the current batch
	results             []appendResp
	indexWork           int              // index entries the batch's transaction moved (index.go)
	onCommit            func(commitInfo) // tests' observer of every commit; nil in production
	once                sync.Once
	stopped             chan struct{}
	started             bool
}

func newWriter(ctx context.Context, cfg Config, n *notifier) (*writer, error) {
	db, err := openWriterDB(ctx, cfg.Dir)
	if err == nil && cfg.PreallocateWAL {
		db, err = reopenPreallocated(ctx, db, cfg)
	}
	if err != nil {
		return nil, err
	}
	w := &writer{cfg: cfg, db: db, queue: make(chan *appendReq, cfg.QueueSize), notify: n,
		heads: newHeads(), stopped: make(chan struct{}),
		window: newWindow(cfg.CommitWindow, cfg.CommitWindowAppends)}
	if err := w.prepare(ctx); err != nil {
		w.closeDB()
		return nil, fmt.Errorf("embedded: open %s: %w", Path(cfg.Dir), err)
	}
	if w.ckpt, err = newCheckpointer(ctx, cfg, &w.walPages, &w.txns); err != nil {
		w.closeDB()
		return nil, fmt.Errorf("embedded: open %s: checkpointer: %w", Path(cfg.Dir), err)
	}
	w.feed = newFeed(cfg.LiveEvents, cfg.LiveBytes, w.next)
	return w, nil
}

func (w *writer) prepare(ctx context.Context) (err error) {
	if w.conn, err = w.db.Conn(ctx); err != nil {
		return err
	}
	if w.streamQ, err = w.conn.PrepareContext(ctx, "SELECT id FROM streams WHERE name = ?"); err != nil {
		return err
	}
	if w.headQ, err = w.conn.PrepareContext(ctx, headSQL); err != nil {
		return err
	}
	w.raw = &rawConn{conn: w.conn}
	if w.beginS, err = w.raw.prepare(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if w.commitS, err = w.raw.prepare(ctx, "COMMIT"); err != nil {
		return err
	}
	w.ins, w.idxSQL, w.idx = newInserter(w.conn, w.raw), newIndexSQL(w.conn), &mover{}
	if err = w.conn.QueryRowContext(ctx, startSQL).Scan(&w.next, &w.lastStream); err != nil {
		return err
	}
	if w.idx.mark, w.idx.tail, err = w.idxSQL.load(ctx); err != nil {
		return err
	}
	w.tailRows.Store(int64(len(w.idx.tail)))
	w.marked.Store(w.idx.mark)
	w.committed.Store(w.next)
	w.lastStreamCommitted = w.lastStream
	return nil
}

const (
	// headSQL is a stream's last indexed revision; the writer's tail
	// holds the later ones (index.go).
	headSQL  = "SELECT MAX(revision) FROM stream_index WHERE stream_id = ?"
	startSQL = `SELECT (SELECT COALESCE(MAX(position), 0) FROM events),
	(SELECT COALESCE(MAX(id), 0) FROM streams)`
)

// setMetrics hands the writer and its checkpointer the store's metrics.
func (w *writer) setMetrics(m *metrics) {
	w.metrics = m
	w.ckpt.metrics, w.ckpt.log = m, w.cfg.Logger.Warn
}

func (w *writer) start() {
	w.started = true
	w.ckpt.start()
	go w.run()
}

func (w *writer) run() {
	defer close(w.stopped)
	batch := make([]*appendReq, 0, w.cfg.MaxBatch)
	for {
		select {
		case req, ok := <-w.queue:
			if !ok {
				w.finishMove()
				return
			}
			w.window.arrived(req.queued)
			batch = w.linger(w.gather(append(batch[:0], req)))
			w.commitBatch(batch)
			clear(batch)
			w.checkpointIfDue()
		case <-w.ckpt.ended: // idle steps waited for the checkpointer's run
		}
		w.indexIdle()
	}
}

// gather adds whatever else is queued, up to MaxBatch, without waiting.
func (w *writer) gather(batch []*appendReq) []*appendReq {
	for len(batch) < w.cfg.MaxBatch {
		select {
		case req, ok := <-w.queue:
			if !ok {
				return batch
			}
			w.window.arrived(req.queued)
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

// shutdown stops the queue; the writer commits what it holds, finishes
// the index move in progress in one transaction (not in idle steps), then
// exits.
func (w *writer) shutdown() {
	w.once.Do(func() {
		w.closing.Store(true)
		close(w.queue)
	})
}

// stop shuts the writer down, waits for it and closes the database.
func (w *writer) stop() error {
	w.shutdown()
	if w.started {
		<-w.stopped
	}
	var err error
	if w.ckpt != nil {
		err = w.ckpt.close()
	}
	return errors.Join(err, w.closeDB())
}

func (w *writer) closeDB() error {
	var errs []error
	if w.ins != nil {
		errs = append(errs, w.ins.close(), w.idxSQL.close())
	}
	for _, st := range []*sql.Stmt{w.streamQ, w.headQ} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if w.raw != nil {
		errs = append(errs, w.raw.close())
	}
	if w.conn != nil {
		errs = append(errs, w.conn.Close())
	}
	errs = append(errs, w.db.Close())
	return errors.Join(errs...)
}

// commitBatch writes the batch and answers every caller in it.
func (w *writer) commitBatch(batch []*appendReq) {
	w.results = append(w.results[:0], make([]appendResp, len(batch))...)
	start := time.Now()
	now := start.UnixNano()
	w.indexWork = 0
	err := w.tryBatch(batch, now)
	if err != nil {
		w.cfg.Logger.Warn("embedded: batch failed, retrying appends one by one", "appends", len(batch), "err", err)
		err = w.oneByOne(batch, now)
	}
	w.window.committed(time.Now())
	if err == nil {
		d := time.Since(start)
		w.metrics.commitTime.Observe(d.Seconds())
		if w.onCommit != nil {
			w.onCommit(commitInfo{start: start, d: d, work: w.indexWork, last: w.committed.Load()})
		}
		w.publish(batch, now)
	}
	w.answer(batch, err)
}

// commitInfo is one commit as the tests' observer sees it: when its
// transaction began, how long it took to the end of COMMIT, the index
// entries it moved and the last position it committed.
type commitInfo struct {
	start time.Time
	d     time.Duration
	work  int
	last  uint64
	idle  bool // an idle step of the index move, carrying no append (idle.go)
}

// checkpointIfDue counts the pages the last commit put into the WAL and
// wakes the checkpointer past CheckpointPages. Past MaxWALPages (the
// checkpointer is behind) the writer checkpoints itself before it takes
// the next batch; after a run of the checkpointer that could not finish
// the tail, it does so once its queue is empty, or the WAL holds
// tailBound pages, and the checkpointer is not in a run (waiting for it
// only once the WAL holds MaxWALPages), and meanwhile wakes the
// checkpointer for more short runs (checkpoint.go).
func (w *writer) checkpointIfDue() {
	n, err := walWritten(w.conn)
	if err != nil {
		w.cfg.Logger.Warn("embedded: reading WAL pages written", "err", err)
		n = 1
	}
	pages := w.walPages.Add(n)
	if w.ckpt.restarted.Swap(false) {
		w.walLen, w.nudgeAt = 0, 0 // this commit may have restarted the WAL; a later one did
	}
	w.walLen += n
	switch {
	case pages >= int64(w.cfg.MaxWALPages):
		if ran, res := w.ckpt.checkpoint("writer_bound", int64(w.cfg.MaxWALPages)); ran {
			w.tailDone(res)
		}
	case w.ckpt.tailDue.Load():
		bound := tailBound(w.cfg)
		if !tailNow(len(w.queue), w.walLen, bound) {
			if w.walLen >= w.nudgeAt {
				w.nudgeAt = w.walLen + int64(w.cfg.CheckpointPages/tailNudge)
				w.ckpt.request()
			}
			return
		}
		if ran, res := w.ckpt.tail("writer_tail", w.walLen >= int64(w.cfg.MaxWALPages)); ran {
			w.tailDone(res)
		}
	case pages >= int64(w.cfg.CheckpointPages):
		w.ckpt.request()
	}
}

// tailDone notes the outcome of the writer's own checkpoint: the tail is
// no longer due (one that could not copy every page, as when another
// process holds an old snapshot, is not tried again until the
// checkpointer's next run), and after a complete one the next transaction
// restarts the WAL.
func (w *writer) tailDone(res ckptResult) {
	w.ckpt.tailDue.Store(false)
	if res.complete() {
		w.walLen, w.nudgeAt = 0, 0
	}
}

func (w *writer) answer(batch []*appendReq, err error) {
	n := 0
	for i, req := range batch {
		r := w.results[i]
		if err != nil && r.err == nil {
			r = appendResp{err: fmt.Errorf("embedded: append %s: %w", req.stream, err)}
		}
		if r.err == nil {
			n += len(req.rows)
		}
		w.metrics.latency.Observe(time.Since(req.queued).Seconds())
		req.reply(r)
	}
	w.metrics.batchSize.Observe(float64(len(batch)))
	w.metrics.appended.Add(float64(n))
}

// tryBatch plans every append of the batch and inserts them with one
// multi-row insert per chunk, in one transaction.
func (w *writer) tryBatch(batch []*appendReq, now int64) error {
	ctx := context.Background()
	if err := w.syncFull(ctx); err != nil {
		return err
	}
	if err := w.begin(ctx); err != nil {
		return err
	}
	rows := w.ins.rows[:0]
	for i, req := range batch {
		ok, err := w.plan(ctx, i, req)
		if err != nil {
			return w.rollback(ctx, err)
		}
		if ok {
			for j := range req.rows {
				rows = append(rows, &req.rows[j])
			}
		}
	}
	w.ins.rows = rows
	if err := w.insert(ctx, rows, now); err != nil {
		return w.rollback(ctx, err)
	}
	if w.idx.busyDue() {
		if err := w.indexStep(ctx, len(rows)); err != nil {
			return w.rollback(ctx, err)
		}
	}
	return w.commit(ctx)
}

// insert writes the batch's new streams rows, then its events.
func (w *writer) insert(ctx context.Context, rows []*row, now int64) error {
	if err := w.ins.insertStreams(ctx, w.newStreams); err != nil {
		return err
	}
	clear(w.newStreams)
	w.newStreams = w.newStreams[:0]
	if err := w.ins.insert(ctx, rows, now); err != nil {
		return err
	}
	w.idx.add(rows)
	return nil
}

// oneByOne is the slow path after a failed batch: each append in its own
// savepoint, so that one bad append (a duplicate event id) fails alone.
func (w *writer) oneByOne(batch []*appendReq, now int64) error {
	ctx := context.Background()
	if err := w.syncFull(ctx); err != nil {
		return err
	}
	if err := w.begin(ctx); err != nil {
		return err
	}
	for i, req := range batch {
		if err := w.appendAlone(ctx, i, req, now); err != nil {
			return w.rollback(ctx, err)
		}
	}
	return w.commit(ctx)
}

func (w *writer) appendAlone(ctx context.Context, i int, req *appendReq, now int64) error {
	before := w.next
	ok, err := w.plan(ctx, i, req)
	if err != nil || !ok {
		return err
	}
	if _, err := w.conn.ExecContext(ctx, "SAVEPOINT one"); err != nil {
		return err
	}
	rows := make([]*row, len(req.rows))
	for j := range req.rows {
		rows[j] = &req.rows[j]
	}
	if err := w.insert(ctx, rows, now); err != nil {
		w.results[i] = appendResp{err: fmt.Errorf("embedded: append %s: %w", req.stream, err)}
		w.next = before
		w.newStreams = w.newStreams[:0]
		delete(w.heads.pending, req.stream) // re-read from the database if needed
		if _, err := w.conn.ExecContext(ctx, "ROLLBACK TO one"); err != nil {
			return err
		}
	}
	_, err = w.conn.ExecContext(ctx, "RELEASE one")
	return err
}

func (w *writer) begin(ctx context.Context) error {
	w.txns.Add(1)
	err := w.raw.exec(ctx, w.beginS, nil)
	if err != nil {
		w.txns.Add(1)
	}
	return err
}

func (w *writer) commit(ctx context.Context) error {
	if err := w.raw.exec(ctx, w.commitS, nil); err != nil {
		return w.rollback(ctx, err)
	}
	w.txns.Add(1)
	w.heads.commit()
	w.committed.Store(w.next)
	w.lastStreamCommitted = w.lastStream
	w.idx.commit()
	w.tailRows.Store(int64(len(w.idx.tail)))
	w.marked.Store(w.idx.mark)
	return nil
}

// rollback ends a failed batch. After an I/O error or a full disk SQLite
// has often rolled the transaction back itself (see "Automatic rollback" in
// its documentation), so ROLLBACK then finds no transaction: that is the
// expected outcome, not a second failure.
func (w *writer) rollback(ctx context.Context, cause error) error {
	if _, err := w.conn.ExecContext(ctx, "ROLLBACK"); err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		w.cfg.Logger.Error("embedded: rollback failed", "err", err, "cause", cause)
	}
	w.txns.Add(1)
	w.heads.rollback()
	w.next = w.committed.Load()
	w.lastStream, w.newStreams = w.lastStreamCommitted, w.newStreams[:0]
	w.idx.rollback()
	return cause
}
