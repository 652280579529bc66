package embedded

import "context"

// The stream index maps (stream_id, revision) to position in two tables.
// Each commit appends its events' entries to stream_tail, keyed by position,
// so they land on the table's last page or two whatever the streams. Once
// indexLag entries have gathered, one transaction moves all of them into
// stream_index, keyed by (stream_id, revision), sorted, so that each
// stream's index page is written once per move instead of once per commit.
// Readers look in both tables in one statement (one snapshot).

const (
	moveTailSQL = `INSERT INTO stream_index (stream_id, revision, position)
	SELECT stream_id, revision, position FROM stream_tail ORDER BY stream_id, revision`
	clearTailSQL = `DELETE FROM stream_tail`
)

// indexIfDue moves stream_tail into stream_index within the current
// transaction when it has grown past indexLag; commit makes w.indexed
// follow.
func (w *writer) indexIfDue(ctx context.Context) error {
	if w.next-w.indexed < indexLag {
		return nil
	}
	for _, q := range []string{moveTailSQL, clearTailSQL} {
		if _, err := w.conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	w.indexing = w.next
	return nil
}
