package embedded

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
)

// maxRawStmts bounds the prepared statements kept per read connection;
// past it a query is prepared, run and closed.
const maxRawStmts = 32

// rawStmts caches driver-level prepared statements per read connection, for
// page reads that bypass database/sql's per-column conversions (a quarter
// of a scan's CPU). A statement is only used inside sql.Conn.Raw on its own
// connection. mu is held for reading by every page read and for writing by
// close, so statements are never closed while in use.
type rawStmts struct {
	mu     sync.RWMutex
	closed bool
	cmu    sync.Mutex // guards m
	m      map[driver.Conn]map[string]driver.Stmt
}

func newRawStmts() *rawStmts { return &rawStmts{m: make(map[driver.Conn]map[string]driver.Stmt)} }

// query runs query on driver connection dc; release (never nil on success)
// must be called after the rows are closed.
func (c *rawStmts) query(ctx context.Context, dc any, query string, args []any) (driver.Rows, func(), error) {
	conn, ok := dc.(driver.Conn)
	if !ok {
		return nil, nil, fmt.Errorf("driver connection %T", dc)
	}
	st, temp, err := c.get(ctx, conn, query)
	if err != nil {
		return nil, nil, err
	}
	release := func() {
		if temp {
			st.Close()
		}
	}
	rows, err := queryStmt(ctx, st, args)
	if err != nil {
		release()
		return nil, nil, err
	}
	return rows, release, nil
}

func queryStmt(ctx context.Context, st driver.Stmt, args []any) (driver.Rows, error) {
	sq, ok := st.(driver.StmtQueryContext)
	if !ok {
		return nil, fmt.Errorf("driver statement %T", st)
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, err
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return sq.QueryContext(ctx, named)
}

// get returns conn's statement for query, and whether it is a temporary
// one the caller must close.
func (c *rawStmts) get(ctx context.Context, conn driver.Conn, query string) (driver.Stmt, bool, error) {
	c.cmu.Lock()
	stmts := c.m[conn]
	if stmts == nil {
		stmts = make(map[string]driver.Stmt)
		c.m[conn] = stmts
	}
	st, ok := stmts[query]
	full := len(stmts) >= maxRawStmts
	c.cmu.Unlock()
	if ok {
		return st, false, nil
	}
	st, err := prepareRaw(ctx, conn, query)
	if err != nil || full {
		return st, true, err
	}
	c.cmu.Lock()
	stmts[query] = st
	c.cmu.Unlock()
	return st, false, nil
}

func prepareRaw(ctx context.Context, conn driver.Conn, query string) (driver.Stmt, error) {
	if pc, ok := conn.(driver.ConnPrepareContext); ok {
		return pc.PrepareContext(ctx, query)
	}
	return conn.Prepare(query)
}

// enter marks a page read in progress; it fails once close has begun.
func (c *rawStmts) enter() bool {
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return false
	}
	return true
}

func (c *rawStmts) leave() { c.mu.RUnlock() }

// close waits for page reads in progress and closes every statement of
// the connections still open. Statements of a connection database/sql has
// already discarded must not be touched (the driver freed what they point
// into); dropIfInvalid closes those before the discard.
func (c *rawStmts) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for conn, stmts := range c.m {
		if !valid(conn) {
			continue
		}
		for _, st := range stmts {
			errs = append(errs, st.Close())
		}
	}
	clear(c.m)
	return errors.Join(errs...)
}

// dropIfInvalid closes and forgets the statements of conn when database/sql
// is about to discard it (an interrupted query, a cancelled context). It
// runs inside sql.Conn.Raw, while conn is still open.
func (c *rawStmts) dropIfInvalid(dc any) {
	conn, ok := dc.(driver.Conn)
	if !ok || valid(conn) {
		return
	}
	c.cmu.Lock()
	stmts := c.m[conn]
	delete(c.m, conn)
	c.cmu.Unlock()
	for _, st := range stmts {
		_ = st.Close()
	}
}

// valid reports whether the driver still considers conn usable.
func valid(conn driver.Conn) bool {
	v, ok := conn.(driver.Validator)
	return !ok || v.IsValid()
}
