package embedded

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unsafe"
)

// chunkSizes are the row counts of the prepared multi-row inserts for
// more than maxExactChunk rows: a batch is cut greedily into chunks of
// these sizes until at most maxExactChunk rows are left, which go in one
// statement of their exact size. A commit of up to maxExactChunk rows (a
// chats load's: a handful) then takes one statement, where 4+1+1+1 took
// four, each with its own bindings, program start and cursor openings.
var chunkSizes = []int{256, 64, 16}

// maxExactChunk bounds the statements prepared for an exact row count.
const maxExactChunk = 16

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
	if n <= maxExactChunk {
		return n
	}
	for _, c := range chunkSizes {
		if n >= c {
			return c
		}
	}
	return maxExactChunk
}

func (in *inserter) insertChunk(ctx context.Context, rows []*row, now int64) error {
	stmt, err := in.stmt(ctx, len(rows))
	if err != nil {
		return err
	}
	args := in.args[:0]
	// A value put in an interface is allocated (past 0-255); the commit's
	// time, and a type shared by consecutive rows, are put there once.
	nowArg, typ, typArg := any(now), "", any(nil)
	for _, r := range rows {
		if r.typ != typ || typArg == nil {
			typ, typArg = r.typ, r.typ
		}
		args = append(args, int64(r.position), r.id, r.streamID, int64(r.revision), typArg, nowArg, text(r.data), r.metadata)
	}
	in.args = args
	_, err = stmt.ExecContext(ctx, args...)
	clear(args)
	return err
}

// text is b as a string, without a copy, for binding as TEXT (a []byte
// would be bound as a BLOB, which json_extract reads as JSONB): the
// driver copies it into SQLite's memory at the bind. b must not change
// while the string is in use; a row's data never does.
func text(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

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
