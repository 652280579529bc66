package embedded

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
)

// rawConn runs the writer's statements of every commit (BEGIN, the
// events' INSERT, COMMIT) as driver statements prepared on its one
// connection, through sql.Conn.Raw: database/sql's Stmt.ExecContext adds a
// connection grab, a conversion of every argument and a Result to each
// (about a tenth of a one-append commit's statement CPU). The arguments
// are the driver's own types (int64, string), so no conversion is needed.
// A statement is only used inside Raw on the connection it was prepared
// on, as rawStmts does for the readers.
type rawConn struct {
	conn  *sql.Conn
	stmts []driver.Stmt // every statement prepared, closed by close
}

// prepare prepares query on the driver connection.
func (c *rawConn) prepare(ctx context.Context, query string) (driver.StmtExecContext, error) {
	var st driver.Stmt
	err := c.conn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("driver connection %T", dc)
		}
		var err error
		st, err = prepareRaw(ctx, conn, query)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.stmts = append(c.stmts, st)
	ex, ok := st.(driver.StmtExecContext)
	if !ok {
		return nil, fmt.Errorf("driver statement %T", st)
	}
	return ex, nil
}

// exec runs st with args.
func (c *rawConn) exec(ctx context.Context, st driver.StmtExecContext, args []driver.NamedValue) error {
	return c.conn.Raw(func(any) error {
		_, err := st.ExecContext(ctx, args)
		return err
	})
}

// close closes every statement prepared, while the connection is open.
func (c *rawConn) close() error {
	var errs []error
	err := c.conn.Raw(func(any) error {
		for _, st := range c.stmts {
			errs = append(errs, st.Close())
		}
		return nil
	})
	c.stmts = nil
	return errors.Join(append(errs, err)...)
}

// namedArgs returns buf holding n arguments, numbered from 1.
func namedArgs(buf []driver.NamedValue, n int) []driver.NamedValue {
	if cap(buf) < n {
		buf = make([]driver.NamedValue, n)
	}
	buf = buf[:n]
	for i := range buf {
		buf[i].Ordinal = i + 1
	}
	return buf
}
