package embedded

import (
	"cmp"
	"context"
	"math"
	"slices"
)

// The stream index maps (stream_id, revision) to position in two tables.
// Each commit appends its events' entries to stream_tail, keyed by position,
// so they land on the table's last page or two whatever the streams. Once
// indexLag entries have gathered, the writer moves them into stream_index,
// keyed by (stream_id, revision), in key order, so that each stream's index
// page is written about once per move instead of once per commit.
//
// A move is spread over the commits that follow, at most indexBudget
// entries of work in each (the copy of an entry is one, its deletion
// another): moving 2,048 entries in one commit took 6-12 ms, and every
// append queued behind it waited. First the move copies its entries into
// stream_index, in key order, a run of them per commit; then it deletes
// them from stream_tail, oldest positions first. Meanwhile an entry may be
// in both tables. Readers look in both in one statement and select events
// by position IN (...), so an entry found twice yields its event once, and
// the writer's head query takes a MAX over both: reads are correct at every
// step. stream_tail always holds the newest positions without a gap (only
// its oldest rows are ever deleted), so a move cut short by a crash is
// simply made again after the restart; the entries it had copied already
// are skipped (INSERT OR IGNORE).
//
// stream_tail is bounded: past maxTail entries (the disk or the CPU could
// not keep up, or one huge commit) the commit finishes the move in progress
// whatever it costs.

const (
	// indexBudget is the least work of a move per commit, in entries
	// copied or deleted; a commit of n events does up to 4n, so that
	// stream_tail shrinks during a move whatever the load.
	indexBudget = 256
	// maxTail bounds stream_tail's entries: a commit leaving more finishes
	// the move in progress (and starts one if there is none).
	maxTail = 4 * indexLag
)

// tailEntry is one row of stream_tail (and, once moved, of stream_index).
type tailEntry struct {
	stream   int64
	revision uint64
	position uint64
}

// mover is the writer's copy of stream_tail and the state of the move in
// progress. The open transaction's changes (added, copyTo, removeTo) become
// the committed state in commit and are dropped by rollback.
type mover struct {
	tail     []tailEntry // stream_tail's rows as committed, by position
	added    []tailEntry // rows the open transaction adds to stream_tail
	moving   []tailEntry // the move in progress, by (stream, revision); nil when none
	copied   int         // moving[:copied] are in stream_index, as committed
	removed  int         // moving's rows deleted from stream_tail (tail's front), as committed
	copyTo   int         // copied as the open transaction leaves it
	removeTo int         // removed as the open transaction leaves it
}

// add records rows the open transaction inserted into events (and so, by
// trigger, into stream_tail).
func (m *mover) add(rows []*row) {
	for _, r := range rows {
		m.added = append(m.added, tailEntry{stream: r.streamID, revision: r.revision, position: r.position})
	}
}

// size is stream_tail's row count as the open transaction leaves it.
func (m *mover) size() int { return len(m.tail) + len(m.added) - (m.removeTo - m.removed) }

// budget is how many entries the open transaction, which appended events
// events, may copy or delete, and whether that is an overrun: all that is
// left of the move, more than the usual budget, because stream_tail holds
// more than maxTail entries.
func (m *mover) budget(events int) (int, bool) {
	b := max(indexBudget, 4*events)
	if left := 2*len(m.moving) - m.copyTo - m.removeTo; m.size() > maxTail && left > b {
		return left, true
	}
	return b, false
}

// startIfDue starts a move of every committed stream_tail row once
// indexLag of them (or, past maxTail, of them and the open transaction's)
// have gathered. It reports whether a move is in progress.
func (m *mover) startIfDue() bool {
	if m.moving != nil {
		return true
	}
	if len(m.tail) == 0 || (len(m.tail) < indexLag && m.size() <= maxTail) {
		return false
	}
	m.moving = slices.Clone(m.tail)
	slices.SortFunc(m.moving, func(a, b tailEntry) int {
		return cmp.Or(cmp.Compare(a.stream, b.stream), cmp.Compare(a.revision, b.revision))
	})
	return true
}

// toCopy is the next run of at most n entries to copy into stream_index.
func (m *mover) toCopy(n int) []tailEntry {
	return m.moving[m.copyTo : m.copyTo+min(n, len(m.moving)-m.copyTo)]
}

// toRemove is how many of stream_tail's oldest rows to delete next (at most
// n), and the position of the last of them; none until the copy is done.
func (m *mover) toRemove(n int) (int, uint64) {
	if m.copyTo < len(m.moving) {
		return 0, 0
	}
	k := min(n, len(m.moving)-m.removeTo)
	if k == 0 {
		return 0, 0
	}
	return k, m.tail[m.removeTo-m.removed+k-1].position
}

// commit makes the open transaction's changes the committed state.
func (m *mover) commit() {
	if drop := m.removeTo - m.removed; drop > 0 {
		m.tail = append(m.tail[:0], m.tail[drop:]...)
	}
	m.tail = append(m.tail, m.added...)
	m.added = m.added[:0]
	m.copied, m.removed = m.copyTo, m.removeTo
	if m.moving != nil && m.removed == len(m.moving) {
		m.moving, m.copied, m.removed, m.copyTo, m.removeTo = nil, 0, 0, 0, 0
	}
}

// rollback drops the open transaction's changes.
func (m *mover) rollback() {
	m.added = m.added[:0]
	m.copyTo, m.removeTo = m.copied, m.removed
}

// indexStep does the open transaction's share of the move: it starts one
// when due, then copies entries into stream_index and, once all are
// copied, deletes them from stream_tail, at most m.budget(events) entries
// in all.
func (w *writer) indexStep(ctx context.Context, events int) error {
	m := w.idx
	if !m.startIfDue() {
		return nil
	}
	budget, overrun := m.budget(events)
	if overrun {
		w.metrics.indexOverruns.Inc()
	}
	n, err := w.move(ctx, budget)
	if err != nil {
		return err
	}
	w.indexWork = n
	w.metrics.indexWork.Observe(float64(n))
	return nil
}

// move copies, then removes, at most budget entries of the move in
// progress within the open transaction, and returns how many.
func (w *writer) move(ctx context.Context, budget int) (int, error) {
	m := w.idx
	cp := m.toCopy(budget)
	if err := w.idxSQL.copy(ctx, cp); err != nil {
		return 0, err
	}
	m.copyTo += len(cp)
	k, last := m.toRemove(budget - len(cp))
	if k > 0 {
		if err := w.idxSQL.remove(ctx, last); err != nil {
			return 0, err
		}
		m.removeTo += k
	}
	return len(cp) + k, nil
}

// finishMove completes the move in progress, in one transaction, when the
// writer stops: a database closed cleanly has every entry in one table
// only, as binaries from before the spread move expect (their move would
// stop at an entry already copied).
func (w *writer) finishMove() {
	if w.idx.moving == nil {
		return
	}
	ctx := context.Background()
	err := w.begin(ctx)
	if err == nil {
		if _, err = w.move(ctx, math.MaxInt); err != nil {
			err = w.rollback(ctx, err)
		} else {
			err = w.commit(ctx)
		}
	}
	if err != nil {
		w.cfg.Logger.Warn("embedded: finishing the stream index move at close", "err", err)
	}
}
