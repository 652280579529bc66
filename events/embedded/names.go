package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
)

// maxCachedNames bounds the readers' cache of stream names; past it the
// cache is dropped and refilled on demand.
const maxCachedNames = 1 << 12 // issue #17: ~100 bytes per stream, and every connection has one

// names maps stream ids to names for the read path. A streams row never
// changes once committed, so any snapshot that sees an event sees its
// stream's row, and a cached name never goes stale.
type names struct {
	mu sync.RWMutex
	m  map[int64]string
}

func newNames() *names { return &names{m: make(map[int64]string)} }

func (n *names) get(id int64) (string, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	s, ok := n.m[id]
	return s, ok
}

func (n *names) put(id int64, name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.m) >= maxCachedNames {
		clear(n.m)
	}
	n.m[id] = name
}

// loadChunk bounds the ids looked up per query (SQLite's parameter limit).
const loadChunk = 500

// resolve fills in the stream name of every event of p, looking the ids
// not cached up in a query per loadChunk of them. It runs after the page's
// rows are closed, so it never needs a second connection while holding one.
func (n *names) resolve(ctx context.Context, db *sql.DB, p *page) error {
	found := make(map[int64]string)
	missing := n.missing(p.ids)
	for len(missing) > 0 {
		k := min(len(missing), loadChunk)
		if err := n.load(ctx, db, missing[:k], found); err != nil {
			return err
		}
		missing = missing[k:]
	}
	for i, id := range p.ids {
		name, ok := found[id]
		if !ok {
			name, ok = n.get(id)
		}
		if !ok {
			return fmt.Errorf("stream id %d not found", id)
		}
		p.evs[i].Stream = name
	}
	return nil
}

// missing returns the distinct ids not in the cache.
func (n *names) missing(ids []int64) []any {
	var out []any
	seen := make(map[int64]bool)
	for _, id := range ids {
		if _, ok := n.get(id); !ok && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// load reads the names of ids into found and the cache.
func (n *names) load(ctx context.Context, db *sql.DB, ids []any, found map[int64]string) error {
	q := "SELECT id, name FROM streams WHERE id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
	rows, err := db.QueryContext(ctx, q, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		found[id] = name
		n.put(id, name)
	}
	return rows.Err()
}
