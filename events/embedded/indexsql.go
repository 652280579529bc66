package embedded

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// indexSQL holds the writer's prepared statements of the index move
// (index.go): multi-row inserts into stream_index of chunkSizes rows, the
// copy of a range of positions into type_index and the watermark's update.
type indexSQL struct {
	conn   *sql.Conn
	copies map[int]*sql.Stmt
	typesS *sql.Stmt
	markS  *sql.Stmt
	args   []any
}

const (
	copyIndexSQL = "INSERT OR IGNORE INTO stream_index (stream_id, revision, position) VALUES "
	copyTypesSQL = `INSERT OR IGNORE INTO type_index (type, position)
	SELECT type, position FROM events WHERE position > ? AND position <= ?`
	setMarkSQL  = "UPDATE indexed SET position = ? WHERE id = 0"
	loadMarkSQL = "SELECT position FROM indexed WHERE id = 0"
	loadTailSQL = "SELECT position, stream_id, revision FROM events WHERE position > ? ORDER BY position"
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

// copyTypes copies the type entries of the events at positions (from, to]
// into type_index, skipping those already there.
func (x *indexSQL) copyTypes(ctx context.Context, from, to uint64) error {
	return x.exec(ctx, &x.typesS, copyTypesSQL, int64(from), int64(to))
}

// setMark moves the watermark to position to.
func (x *indexSQL) setMark(ctx context.Context, to uint64) error {
	return x.exec(ctx, &x.markS, setMarkSQL, int64(to))
}

// exec runs query, prepared into *st on first use.
func (x *indexSQL) exec(ctx context.Context, st **sql.Stmt, query string, args ...any) error {
	if *st == nil {
		p, err := x.conn.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		*st = p
	}
	_, err := (*st).ExecContext(ctx, args...)
	return err
}

// load reads the watermark and the tail's entries, by position, for the
// writer's mover.
func (x *indexSQL) load(ctx context.Context) (uint64, []tailEntry, error) {
	var mark int64
	if err := x.conn.QueryRowContext(ctx, loadMarkSQL).Scan(&mark); err != nil {
		return 0, nil, err
	}
	rows, err := x.conn.QueryContext(ctx, loadTailSQL, mark)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var es []tailEntry
	for rows.Next() {
		var e tailEntry
		var rev, pos int64
		if err := rows.Scan(&pos, &e.stream, &rev); err != nil {
			return 0, nil, err
		}
		e.revision, e.position = uint64(rev), uint64(pos)
		es = append(es, e)
	}
	return uint64(mark), es, rows.Err()
}

func (x *indexSQL) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{x.typesS, x.markS} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	for _, st := range x.copies {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
