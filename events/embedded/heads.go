package embedded

// maxCachedHeads bounds the writer's cache of stream heads; past it the
// cache is dropped and refilled from the database on demand.
const maxCachedHeads = 1 << 16

// head is what the writer knows of a stream: its id in the streams table
// (0 until it has one) and its last revision, if any.
type head struct {
	id     int64
	last   uint64
	exists bool
}

// heads caches stream heads for the writer so that expected-revision checks
// need no query. During a batch, changes go to pending; commit merges them
// into the cache and rollback drops them, so the cache only ever holds what
// the database holds.
type heads struct {
	cache   map[string]head
	pending map[string]head
}

func newHeads() *heads {
	return &heads{cache: make(map[string]head), pending: make(map[string]head)}
}

// get returns the head as seen by the current batch, and whether it is known
// without a query.
func (h *heads) get(stream string) (head, bool) {
	if hd, ok := h.pending[stream]; ok {
		return hd, true
	}
	hd, ok := h.cache[stream]
	return hd, ok
}

func (h *heads) set(stream string, hd head) { h.pending[stream] = hd }

func (h *heads) commit() {
	if len(h.cache)+len(h.pending) > maxCachedHeads {
		clear(h.cache)
	}
	for s, hd := range h.pending {
		h.cache[s] = hd
	}
	clear(h.pending)
}

func (h *heads) rollback() { clear(h.pending) }
