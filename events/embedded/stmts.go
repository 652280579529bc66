package embedded

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStmts bounds the prepared read statements; queries past it (only
// unusual filter combinations) are prepared afresh each time.
const maxCachedStmts = 64

// stmts caches prepared read statements by query text. Preparing was half
// the cost of a short stream read. database/sql prepares a cached statement
// on each read connection the first time it runs there.
type stmts struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmts(db *sql.DB) *stmts { return &stmts{db: db, m: make(map[string]*sql.Stmt)} }

// query runs query with args on a cached statement.
func (c *stmts) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// get returns the cached statement for query, preparing it if there is
// room; nil (no error) when the cache is full.
func (c *stmts) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	if len(c.m) >= maxCachedStmts {
		return nil, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.m[query] = st
	return st, nil
}

func (c *stmts) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	clear(c.m)
	return errors.Join(errs...)
}
