package embedded

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// indexSQL holds the writer's prepared statements of the index move
// (index.go): multi-row inserts into stream_index of chunkSizes rows, and
// the deletion of stream_tail's oldest rows.
type indexSQL struct {
	conn    *sql.Conn
	copies  map[int]*sql.Stmt
	removeS *sql.Stmt
	args    []any
}

const (
	copyIndexSQL  = "INSERT OR IGNORE INTO stream_index (stream_id, revision, position) VALUES "
	removeTailSQL = "DELETE FROM stream_tail WHERE position <= ?"
	loadTailSQL   = "SELECT position, stream_id, revision FROM stream_tail ORDER BY position"
)

func newIndexSQL(conn *sql.Conn) *indexSQL {
	return &indexSQL{conn: conn, copies: make(map[int]*sql.Stmt)}
}

// copy inserts es into stream_index, in order, skipping entries already
// there (copied by a move a crash cut short).
func (x *indexSQL) copy(ctx context.Context, es []tailEntry) error {
	for len(es) > 0 {
		n := chunkFor(len(es))
		if err := x.copyChunk(ctx, es[:n]); err != nil {
			return err
		}
		es = es[n:]
	}
	return nil
}

func (x *indexSQL) copyChunk(ctx context.Context, es []tailEntry) error {
	st, err := x.copyStmt(ctx, len(es))
	if err != nil {
		return err
	}
	args := x.args[:0]
	for _, e := range es {
		args = append(args, e.stream, int64(e.revision), int64(e.position))
	}
	x.args = args
	_, err = st.ExecContext(ctx, args...)
	clear(args)
	return err
}

func (x *indexSQL) copyStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := x.copies[n]; ok {
		return st, nil
	}
	var b strings.Builder
	b.WriteString(copyIndexSQL)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?)")
	}
	st, err := x.conn.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	x.copies[n] = st
	return st, nil
}

// remove deletes stream_tail's rows up to position last.
func (x *indexSQL) remove(ctx context.Context, last uint64) error {
	if x.removeS == nil {
		st, err := x.conn.PrepareContext(ctx, removeTailSQL)
		if err != nil {
			return err
		}
		x.removeS = st
	}
	_, err := x.removeS.ExecContext(ctx, int64(last))
	return err
}

// load reads stream_tail's rows, by position, for the writer's mover.
func (x *indexSQL) load(ctx context.Context) ([]tailEntry, error) {
	rows, err := x.conn.QueryContext(ctx, loadTailSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []tailEntry
	for rows.Next() {
		var e tailEntry
		var rev, pos int64
		if err := rows.Scan(&pos, &e.stream, &rev); err != nil {
			return nil, err
		}
		e.revision, e.position = uint64(rev), uint64(pos)
		es = append(es, e)
	}
	return es, rows.Err()
}

func (x *indexSQL) close() error {
	var errs []error
	if x.removeS != nil {
		errs = append(errs, x.removeS.Close())
	}
	for _, st := range x.copies {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
