package embedded

// headsGeneration bounds the writer's cache of stream heads: it keeps
// two generations of at most this many streams each (see heads).
const headsGeneration = 4096

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
//
// The cache is two generations, each of at most headsGeneration streams:
// commit writes to cache, and a full cache becomes old (the previous old
// is dropped); a stream found in old moves back to cache. A stream
// appended to again within two generations (a busy chat) stays; one
// written once (a connection's stream: opened, then nothing until it
// closes) ages out, and costs one query when it is appended to again.
// Without that every idle connection kept its stream's head (~200 bytes,
// issue #17) until 65,536 streams had been written.
type heads struct {
	cache   map[string]head
	old     map[string]head
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
	if hd, ok := h.cache[stream]; ok {
		return hd, true
	}
	hd, ok := h.old[stream]
	if ok { // still what the database holds: back into the current generation
		delete(h.old, stream)
		h.put(stream, hd)
	}
	return hd, ok
}

// put caches a committed head, starting a new generation when the
// current one is full.
func (h *heads) put(stream string, hd head) {
	if len(h.cache) >= headsGeneration {
		h.old, h.cache = h.cache, make(map[string]head)
	}
	h.cache[stream] = hd
}

func (h *heads) set(stream string, hd head) { h.pending[stream] = hd }

func (h *heads) commit() {
	for s, hd := range h.pending {
		delete(h.old, s)
		h.put(s, hd)
	}
	clear(h.pending)
}

func (h *heads) rollback() { clear(h.pending) }
