package embedded

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedNames bounds the readers' cache of stream names; past it the
// cache is dropped and refilled on demand.
const maxCachedNames = 1 << 16

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

// resolve fills in the stream name of every event of p, querying db for
// the ids not cached. It runs after the page's rows are closed, so it never
// needs a second connection while holding one.
func (n *names) resolve(ctx context.Context, db *sql.DB, p *page) error {
	for i := range p.evs {
		id := p.ids[i]
		name, ok := n.get(id)
		if !ok {
			if err := db.QueryRowContext(ctx, "SELECT name FROM streams WHERE id = ?", id).Scan(&name); err != nil {
				return err
			}
			n.put(id, name)
		}
		p.evs[i].Stream = name
	}
	return nil
}
