package embedded

import (
	"context"
	"database/sql"
	"errors"
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
	if hd.id == 0 {
		hd.id = w.newStream(req.stream)
	}
	for j := range req.rows {
		w.next++
		r := &req.rows[j]
		r.streamID, r.revision, r.position = hd.id, rev+uint64(j), w.next
	}
	last := rev + uint64(len(req.rows)) - 1
	w.heads.set(req.stream, head{id: hd.id, last: last, exists: true})
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

// newStream gives a stream its id; the row goes into the streams table
// with the batch's events.
func (w *writer) newStream(name string) int64 {
	w.lastStream++
	w.newStreams = append(w.newStreams, newStream{id: w.lastStream, name: name})
	return w.lastStream
}

// newStream is a streams row to insert with the current batch.
type newStream struct {
	id   int64
	name string
}

// head returns the stream's head from the cache or, on a miss, the database.
func (w *writer) head(ctx context.Context, stream string) (head, error) {
	if hd, ok := w.heads.get(stream); ok {
		return hd, nil
	}
	hd, err := w.readHead(ctx, stream)
	if err != nil {
		return head{}, fmt.Errorf("embedded: read head of %s: %w", stream, err)
	}
	w.heads.set(stream, hd)
	return hd, nil
}

// readHead looks the stream up: no row means a new stream (id 0).
func (w *writer) readHead(ctx context.Context, stream string) (head, error) {
	var id int64
	err := w.streamQ.QueryRowContext(ctx, stream).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return head{}, nil
	}
	if err != nil {
		return head{}, err
	}
	var last sql.NullInt64
	if err := w.headQ.QueryRowContext(ctx, id).Scan(&last); err != nil {
		return head{}, err
	}
	hd := head{id: id, last: uint64(last.Int64), exists: last.Valid}
	if rev, ok := w.idx.last(id); ok && (!hd.exists || rev > hd.last) {
		hd.last, hd.exists = rev, true
	}
	return hd, nil
}
