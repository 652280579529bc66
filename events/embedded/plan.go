package embedded

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/linkup-chat/linkup/events"
)

// plan checks req's expected revision against the stream head and, if it
// holds, assigns revisions and positions to its rows. It reports whether
// the append goes ahead; a conflict is recorded in w.results[i].
func (w *writer) plan(ctx context.Context, i int, req *appendReq) (bool, error) {
	hd, err := w.head(ctx, req.stream)
	if err != nil {
		return false, err
	}
	if !req.expected.Check(hd.last, hd.exists) {
		w.results[i] = appendResp{err: conflict(req, hd)}
		return false, nil
	}
	rev := uint64(0)
	if hd.exists {
		rev = hd.last + 1
	}
	for j := range req.rows {
		w.next++
		req.rows[j].revision, req.rows[j].position = rev+uint64(j), w.next
	}
	last := rev + uint64(len(req.rows)) - 1
	w.heads.set(req.stream, head{last: last, exists: true})
	w.results[i] = appendResp{res: events.AppendResult{NextExpectedRevision: last, Position: w.next}}
	return true, nil
}

func conflict(req *appendReq, hd head) error {
	actual := "no stream"
	if hd.exists {
		actual = fmt.Sprintf("revision %d", hd.last)
	}
	return fmt.Errorf("embedded: append %s: expected %s, stream at %s: %w",
		req.stream, req.expected, actual, events.ErrWrongExpectedRevision)
}

// head returns the stream's head from the cache or, on a miss, the database.
func (w *writer) head(ctx context.Context, stream string) (head, error) {
	if hd, ok := w.heads.get(stream); ok {
		return hd, nil
	}
	var last sql.NullInt64
	if err := w.headQ.QueryRowContext(ctx, stream).Scan(&last); err != nil {
		return head{}, fmt.Errorf("embedded: read head of %s: %w", stream, err)
	}
	hd := head{last: uint64(last.Int64), exists: last.Valid}
	w.heads.set(stream, hd)
	return hd, nil
}
