package embedded

import (
	"context"
	"database/sql"
	"database/sql/driver"
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

// inserter holds the writer's prepared multi-row INSERT statements, run
// as driver statements (rawexec.go).
type inserter struct {
	conn    *sql.Conn
	raw     *rawConn
	stmts   map[int]driver.StmtExecContext
	streamS *sql.Stmt // inserts one streams row
	args    []driver.NamedValue
	rows    []*row // reused buffer for the writer's batch
}

func newInserter(conn *sql.Conn, raw *rawConn) *inserter {
	return &inserter{conn: conn, raw: raw, stmts: make(map[int]driver.StmtExecContext)}
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
	args := namedArgs(in.args, len(rows)*columnsPerRow)
	in.args = args
	// A value put in an interface is allocated (past 0-255); the commit's
	// time, and a type shared by consecutive rows, are put there once.
	nowArg, typ, typArg := driver.Value(now), "", driver.Value(nil)
	for i, r := range rows {
		if r.typ != typ || typArg == nil {
			typ, typArg = r.typ, r.typ
		}
		a := args[i*columnsPerRow : (i+1)*columnsPerRow]
		a[0].Value, a[1].Value, a[2].Value, a[3].Value = int64(r.position), r.id, r.streamID, int64(r.revision)
		a[4].Value, a[5].Value, a[6].Value, a[7].Value = typArg, nowArg, text(r.data), r.metadata
	}
	err = in.raw.exec(ctx, stmt, args)
	for i := range args {
		args[i].Value = nil
	}
	return err
}

// text is b as a string, without a copy, for binding as TEXT (a []byte
// would be bound as a BLOB, which json_extract reads as JSONB): the
// driver copies it into SQLite's memory at the bind. b must not change
// while the string is in use; a row's data never does.
func text(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (in *inserter) stmt(ctx context.Context, n int) (driver.StmtExecContext, error) {
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
	st, err := in.raw.prepare(ctx, b.String())
	if err != nil {
		return nil, err
	}
	in.stmts[n] = st
	return st, nil
}

// close closes the streams statement; the raw statements close with the
// writer's rawConn.
func (in *inserter) close() error {
	if in.streamS != nil {
		return in.streamS.Close()
	}
	return nil
}
