package projections

import (
	"strings"
	"sync/atomic"
)

// rowCache keeps, across the transactions of one table set of one
// projection, the rows they read and wrote: read-state seqs (a chat's
// latest, a member's pointer, rows known to be absent too), the chats the
// deliveries projection knows with their highest item seqs, and each
// user's highest delivery marks. In
// the many-small-chats load most keys come once or twice per batch, so a
// per-transaction cache alone re-read almost every row.
//
// A transaction reads through its own rows (readRows, deliveryCache), then
// this cache, then SQL; only a committed transaction's rows enter the
// cache, so a rollback leaves it as it was. The cache is true at one
// point: the table set's checkpoint (pos) and the writer connection's
// PRAGMA data_version (dv), which changes when another connection (another
// process: `linkup projections rebuild`) commits to the file. Begin reads
// both inside its transaction and empties the cache when either differs;
// a swap or drop of the projection's tables empties it too, while it
// holds the writer. It holds at most SQLiteConfig.CacheRows rows: a
// commit that would pass the bound empties it (counted in resets).
type rowCache struct {
	// held (one token) is taken by the transaction using the cache from
	// Begin until its rows are merged or dropped: the writer connection is
	// released at COMMIT, before the merge, and the next transaction must
	// not read the cache meanwhile. A channel, so that Begin's wait for it
	// ends with the caller's context.
	held    chan struct{}
	valid   bool
	pos     uint64
	dv      int64
	rows    readRows
	deliv   deliveryCache
	resets  atomic.Int64 // emptied for the bound or a change from outside
	entries atomic.Int64 // rows held, as of the last commit
}

func newRowCache() *rowCache {
	c := &rowCache{held: make(chan struct{}, 1)}
	c.rows.init()
	c.deliv.init()
	return c
}

// size is the number of rows held.
func (c *rowCache) size() int {
	return len(c.rows.chats) + len(c.rows.members) + len(c.deliv.chats) + len(c.deliv.tops) + len(c.deliv.marks)
}

// reset empties the cache; it is not valid until the next commit.
func (c *rowCache) reset() {
	if c.size() > 0 {
		c.resets.Add(1)
	}
	c.rows, c.deliv = readRows{}, deliveryCache{}
	c.rows.init()
	c.deliv.init()
	c.valid = false
	c.entries.Store(0)
}

// check empties the cache unless it is true at checkpoint pos and data
// version dv.
func (c *rowCache) check(pos uint64, dv int64) {
	if !c.valid || c.pos != pos || c.dv != dv {
		c.reset()
	}
}

// merge takes in a committed transaction's rows, now true at checkpoint
// pos and data version dv; past limit rows the cache starts again empty.
func (c *rowCache) merge(rows readRows, deliv deliveryCache, pos uint64, dv int64, limit int) {
	for k, r := range rows.chats {
		c.rows.chats[k] = &seqRow{known: r.known, seq: r.seq}
	}
	for k, r := range rows.members {
		c.rows.members[k] = &seqRow{known: r.known, seq: r.seq}
	}
	for k, v := range deliv.chats {
		c.deliv.chats[k] = v
	}
	for k, v := range deliv.tops {
		c.deliv.tops[k] = v
	}
	for k, v := range deliv.marks {
		c.deliv.marks[k] = v
	}
	if c.size() > limit {
		c.reset()
		return
	}
	c.valid, c.pos, c.dv = true, pos, dv
	c.entries.Store(int64(c.size()))
}

// chatRow, memberRow, deliveryChat and mark return a copy of a cached
// row for a transaction to keep as its own.
func (c *rowCache) chatRow(chatID string) (*seqRow, bool) {
	return copyRow(c.rows.chats[chatID])
}

func (c *rowCache) memberRow(key [2]string) (*seqRow, bool) {
	return copyRow(c.rows.members[key])
}

func copyRow(r *seqRow) (*seqRow, bool) {
	if r == nil {
		return nil, false
	}
	return &seqRow{known: r.known, seq: r.seq}, true
}

// CacheStat is one table set's row cache: rows held and times emptied.
type CacheStat struct {
	Projection string
	Rows       int64
	Resets     int64
}

// CacheStats reports the live table sets' row caches (for metrics).
func (s *SQLite) CacheStats() []CacheStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CacheStat
	for _, name := range []string{NameReadStates, NameDeliveries} {
		if c, ok := s.caches[name]; ok {
			out = append(out, CacheStat{Projection: name, Rows: c.entries.Load(), Resets: c.resets.Load()})
		}
	}
	return out
}

// cache returns the row cache of a table set (name + set), made on first
// use.
func (s *SQLite) cache(key string) *rowCache {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.caches[key]
	if !ok {
		c = newRowCache()
		s.caches[key] = c
	}
	return c
}

// dropCaches forgets the row caches of name's rebuild table sets, and
// empties the live set's too when live is true. It runs while the writer
// is held, so no transaction is using them.
func (s *SQLite) dropCaches(name string, live bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, c := range s.caches {
		if (key == name && live) || strings.HasPrefix(key, name+"__r") {
			c.held <- struct{}{} // a transaction that committed may still be merging
			c.reset()
			<-c.held
			if key != name {
				delete(s.caches, key)
			}
		}
	}
}
