package embedded

import (
	"cmp"
	"context"
	"math"
	"slices"
)

// The store's two indexes, stream_index ((stream_id, revision) -> position)
// and type_index ((type, position)), hold every event up to a watermark,
// the position in the one-row table indexed; the events after it (the
// tail) are indexed by nothing but their position. A commit therefore
// writes the events table's last page only: no index page, no trigger.
// Readers find the tail's events by scanning the events after the
// watermark (read.go, filter.go); the writer keeps the tail's (stream,
// revision, position) entries in memory for its heads.
//
// Once indexLag events have gathered past the watermark, the writer moves
// them into the indexes, spread over the transactions that follow (its
// idle steps between appends, or the appends' commits past busyLag:
// idle.go), at most indexBudget entries of work in each (moving 2,048 entries in one commit
// took 6-12 ms, and every append queued behind it waited): first it copies
// their stream entries into stream_index, in key order, so that each
// stream's index page is written about once per move instead of once per
// commit; then their type entries into type_index, by position; the commit
// that copies the last one moves the watermark past them. Meanwhile an
// event may be both indexed and past the watermark: readers select events
// by position IN (...), so it is read once, and the writer's head is a MAX
// over both. A move cut short by a crash left the watermark where it was,
// so it is simply made again after the restart; the entries it had copied
// already are skipped (INSERT OR IGNORE).
//
// The tail is bounded: past maxTail events (the disk or the CPU could not
// keep up, or one huge commit) the commit finishes the move in progress
// whatever it costs.

const (
	// indexBudget is the least work of a move per commit, in entries
	// copied (stream and type entries count one each); a commit of n
	// events does up to 4n, so that the tail shrinks during a move whatever the load.
	indexBudget = 256
	// maxTail bounds the tail's events: a commit leaving more finishes
	// the move in progress (and starts one if there is none).
	maxTail = 4 * indexLag
)

// tailEntry is one event's stream index entry.
type tailEntry struct {
	stream   int64
	revision uint64
	position uint64
}

// mover is the writer's copy of the tail (the events past the watermark)
// and the state of the move in progress. The open transaction's changes
// (added, copyTo, typeTo) become the committed state in commit and are
// dropped by rollback. The tail's positions follow the watermark without a
// gap, so a move of the tail's first len(moving) entries indexes exactly
// the positions watermark+1 to watermark+len(moving).
type mover struct {
	mark   uint64      // the watermark, as committed
	tail   []tailEntry // the events past mark, as committed, by position
	added  []tailEntry // entries of the events the open transaction inserts
	moving []tailEntry // the move in progress, by (stream, revision); nil when none
	copied int         // moving[:copied] are in stream_index, as committed
	typed  int         // the move's first typed positions are in type_index, as committed
	copyTo int         // copied as the open transaction leaves it
	typeTo int         // typed as the open transaction leaves it
}

// add records rows the open transaction inserted into events.
func (m *mover) add(rows []*row) {
	for _, r := range rows {
		m.added = append(m.added, tailEntry{stream: r.streamID, revision: r.revision, position: r.position})
	}
}

// done says whether the open transaction finishes the move in progress.
func (m *mover) done() bool { return m.moving != nil && m.typeTo == len(m.moving) }

// size is the tail's length as the open transaction leaves it.
func (m *mover) size() int {
	n := len(m.tail) + len(m.added)
	if m.done() {
		n -= len(m.moving)
	}
	return n
}

// last returns the stream's last revision in the tail, as the open
// transaction leaves it, and whether the tail holds any of its events.
func (m *mover) last(stream int64) (uint64, bool) {
	var rev uint64
	found := false
	for _, es := range [][]tailEntry{m.tail, m.added} {
		for _, e := range es {
			if e.stream == stream && (!found || e.revision > rev) {
				rev, found = e.revision, true
			}
		}
	}
	return rev, found
}

// budget is how many entries the open transaction, which appended events
// events, may copy, and whether that is an overrun: all that is left of
// the move, more than the usual budget, because the tail holds more than
// maxTail events.
func (m *mover) budget(events int) (int, bool) {
	b := max(indexBudget, 4*events)
	if left := 2*len(m.moving) - m.copyTo - m.typeTo; m.size() > maxTail && left > b {
		return left, true
	}
	return b, false
}

// startIfDue starts a move of every committed tail entry once indexLag of
// them (or, past maxTail, of them and the open transaction's) have
// gathered. It reports whether a move is in progress.
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

// toType is how many of the move's positions to copy into type_index next
// (at most n; none until the stream entries are copied), as the range
// (from, to] of positions.
func (m *mover) toType(n int) (k int, from, to uint64) {
	if m.copyTo < len(m.moving) {
		return 0, 0, 0
	}
	k = min(n, len(m.moving)-m.typeTo)
	from = m.mark + uint64(m.typeTo)
	return k, from, from + uint64(k)
}

// commit makes the open transaction's changes the committed state.
func (m *mover) commit() {
	if m.done() {
		m.mark += uint64(len(m.moving))
		m.tail = append(m.tail[:0], m.tail[len(m.moving):]...)
		m.moving, m.copyTo, m.typeTo = nil, 0, 0
	}
	m.tail = append(m.tail, m.added...)
	m.added = m.added[:0]
	m.copied, m.typed = m.copyTo, m.typeTo
}

// rollback drops the open transaction's changes.
func (m *mover) rollback() {
	m.added = m.added[:0]
	m.copyTo, m.typeTo = m.copied, m.typed
}

// indexStep does the open transaction's share of the move: it starts one
// when due, then copies entries into stream_index and, once all are
// copied, into type_index, at most m.budget(events) entries in all.
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

// move copies at most budget entries of the move in progress within the
// open transaction, stream entries first, then type entries, and returns
// how many; the transaction that copies the last one moves the watermark.
func (w *writer) move(ctx context.Context, budget int) (int, error) {
	m := w.idx
	cp := m.toCopy(budget)
	if err := w.idxSQL.copy(ctx, cp); err != nil {
		return 0, err
	}
	m.copyTo += len(cp)
	k, from, to := m.toType(budget - len(cp))
	if k > 0 {
		if err := w.idxSQL.copyTypes(ctx, from, to); err != nil {
			return 0, err
		}
		m.typeTo += k
		if m.done() {
			if err := w.idxSQL.setMark(ctx, to); err != nil {
				return 0, err
			}
		}
	}
	return len(cp) + k, nil
}

// finishMove completes the move in progress, in one transaction, when the
// writer stops, so that a database closed cleanly has no entry copied
// past its watermark.
func (w *writer) finishMove() {
	if w.idx.moving == nil {
		return
	}
	ctx := context.Background()
	err := w.syncFull(ctx)
	if err == nil {
		err = w.begin(ctx)
	}
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
