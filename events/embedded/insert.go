package embedded

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// chunkSizes are the row counts of the prepared multi-row inserts; a batch
// is cut greedily into chunks of these sizes.
var chunkSizes = []int{256, 64, 16, 4, 1}

const columnsPerRow = 8

// inserter holds the writer's prepared multi-row INSERT statements.
type inserter struct {
	conn    *sql.Conn
	stmts   map[int]*sql.Stmt
	streamS *sql.Stmt // inserts one streams row
	args    []any
	rows    []*row // reused buffer for the writer's batch
}

func newInserter(conn *sql.Conn) *inserter {
	return &inserter{conn: conn, stmts: make(map[int]*sql.Stmt)}
}

// insertStreams adds the rows of streams new in this batch.
func (in *inserter) insertStreams(ctx context.Context, ss []newStream) error {
	if len(ss) > 0 && in.streamS == nil {
		st, err := in.conn.PrepareContext(ctx, "INSERT INTO streams (id, name) VALUES (?, ?)")
		if err != nil {
			return err
		}
		in.streamS = st
	}
	for _, s := range ss {
		if _, err := in.streamS.ExecContext(ctx, s.id, s.name); err != nil {
			return err
		}
	}
	return nil
}

func (in *inserter) insert(ctx context.Context, rows []*row, now int64) error {
	for len(rows) > 0 {
		n := chunkFor(len(rows))
		if err := in.insertChunk(ctx, rows[:n], now); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func chunkFor(n int) int {
	for _, c := range chunkSizes {
		if n >= c {
			return c
		}
	}
	return 1
}

func (in *inserter) insertChunk(ctx context.Context, rows []*row, now int64) error {
	stmt, err := in.stmt(ctx, len(rows))
	if err != nil {
		return err
	}
	args := in.args[:0]
	for _, r := range rows {
		args = append(args, int64(r.position), r.id, r.streamID, int64(r.revision), r.typ, now, r.data, r.metadata)
	}
	in.args = args
	_, err = stmt.ExecContext(ctx, args...)
	clear(args)
	return err
}

func (in *inserter) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := in.stmts[n]; ok {
		return st, nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO events (" + eventColumns + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?)")
	}
	st, err := in.conn.PrepareContext(ctx, b.String())
	if err != nil {
		return nil, err
	}
	in.stmts[n] = st
	return st, nil
}

func (in *inserter) close() error {
	var errs []error
	if in.streamS != nil {
		errs = append(errs, in.streamS.Close())
	}
	for _, st := range in.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
