package embedded

import "context"

// The stream index (table stream_index) maps (stream_id, revision) to
// position. The writer does not update it per commit: once indexLag events
// have passed the last indexed position, one transaction indexes all of them
// with a single INSERT ... SELECT and moves meta.indexed. Readers find a
// stream's events through the index up to meta.indexed and by scanning the
// short tail after it, both in one statement (one snapshot).

const (
	indexTailSQL = `INSERT INTO stream_index (stream_id, revision, position)
	SELECT stream_id, revision, position FROM events WHERE position > ? AND position <= ?
	ORDER BY stream_id, revision`
	setIndexedSQL = `UPDATE meta SET value = ? WHERE key = 'indexed'`
)

// indexIfDue indexes the tail within the current transaction when it has
// grown past indexLag; commit makes w.indexed follow.
func (w *writer) indexIfDue(ctx context.Context) error {
	if w.next-w.indexed < indexLag {
		return nil
	}
	if _, err := w.conn.ExecContext(ctx, indexTailSQL, int64(w.indexed), int64(w.next)); err != nil {
		return err
	}
	if _, err := w.conn.ExecContext(ctx, setIndexedSQL, int64(w.next)); err != nil {
		return err
	}
	w.indexing = w.next
	return nil
}
