package embedded

import (
	"context"
	"time"
)

// The index move's work (index.go) is done, as far as it can be, between
// appends rather than inside their commits: whenever the writer finds its
// queue empty after a commit while a move is due or in progress, it does
// one step of at most indexBudget entries in a transaction of its own,
// and another while the queue stays empty. Such a step carries no event,
// so it commits with synchronous=NORMAL: no sync of its own (its pages
// reach the disk with the next append's commit, whose sync covers the
// whole WAL, or with the next checkpoint, which syncs the WAL first). A
// crash before that loses at most the step, which a move cut short by a
// crash already allows for: the watermark stays where it was and the
// move is made again (INSERT OR IGNORE skips what was copied). SQLite
// still syncs the WAL's header when such a step restarts the WAL, as it
// does at NORMAL. The connection goes back to synchronous=FULL before any
// append's transaction begins (syncFull), so every append is answered
// after its commit's sync, as before.
//
// At 2,000 appends/s over 200 chats a move (2,048 events) took 16 commits
// of 256 entries each, and those commits took about twice a plain one's
// time (0.8-1.1 ms against 0.4 ms at p50; about 0.4 ms of CPU each): 2 to
// 5 % of the commits, so the appends in them and those queued behind them
// sat in the append latency's p99. Between appends the writer is idle most
// of the time there, so the steps now cost an append at most the wait
// for one step that began just before it arrived. Appends that leave no
// idle moment (10,000 appends/s and more) get the work done inside their
// commits again, as before, once the tail holds busyLag events.

// busyLag is how many events past the watermark make the commits of
// appends do the move's work themselves (index.go's budget per commit):
// the idle steps did not keep up.
const busyLag = indexLag + indexLag/2

// idleDue says whether an idle step has work: a move is in progress or
// due.
func (m *mover) idleDue() bool { return m.moving != nil || len(m.tail) >= indexLag }

// busyDue says whether the open transaction of appends does a step of
// the move: the tail, as it leaves it, holds busyLag events or more.
func (m *mover) busyDue() bool { return m.size() >= busyLag }

// indexIdle does steps of the move while the queue is empty and one is
// due or in progress; it stops at the first append queued (which then
// waits for one step at most), at an error, once the store is closing
// (finishMove then finishes the move in one transaction), or while the
// checkpointer is in a run: its short passes over the tail succeed only
// when no transaction of the writer's lands during one, and idle steps
// landing there made it run five times as many passes (each a sync of
// the database file beside the commits' syncs) in a chats run at 2 msg/s
// per client. The checkpointer wakes the writer when its run ends, so an
// idle writer then takes up the steps.
func (w *writer) indexIdle() {
	for len(w.queue) == 0 && w.idx.idleDue() && !w.closing.Load() && !w.ckpt.active.Load() {
		if err := w.idleStep(); err != nil {
			w.cfg.Logger.Warn("embedded: index move step between appends", "err", err)
			return
		}
	}
}

// idleStep does one step of the move in a transaction of its own,
// committed without a sync (synchronous=NORMAL).
func (w *writer) idleStep() error {
	ctx := context.Background()
	if err := w.setSync(ctx, false); err != nil {
		return err
	}
	start := time.Now()
	w.indexWork = 0
	if err := w.begin(ctx); err != nil {
		return err
	}
	if err := w.indexStep(ctx, 0); err != nil {
		return w.rollback(ctx, err)
	}
	if err := w.commit(ctx); err != nil {
		return err
	}
	w.idleSteps.Add(1)
	w.metrics.indexIdle.Inc()
	if w.onCommit != nil {
		w.onCommit(commitInfo{start: start, d: time.Since(start), work: w.indexWork, last: w.committed.Load(), idle: true})
	}
	return nil
}

// setSync sets the connection's synchronous pragma: FULL (full) or
// NORMAL, unless it is already so. The pragma is prepared afresh each
// time: SQLite applies it while preparing the statement, not when it
// runs, so a prepared one kept for later would take effect at once.
func (w *writer) setSync(ctx context.Context, full bool) error {
	if w.syncNormal != full {
		return nil
	}
	q := "PRAGMA synchronous = NORMAL"
	if full {
		q = "PRAGMA synchronous = FULL"
	}
	if _, err := w.conn.ExecContext(ctx, q); err != nil {
		return err
	}
	w.syncNormal = !full
	return nil
}

// syncFull puts the connection back to synchronous=FULL before a
// transaction of appends begins; if it cannot, that transaction fails
// (no append is ever committed without its sync).
func (w *writer) syncFull(ctx context.Context) error { return w.setSync(ctx, true) }
