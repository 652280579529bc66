package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/protocol"
)

// pageSize is how many consecutive messages one store read for history or
// sync fetches: page k holds seqs k*pageSize+1 .. (k+1)*pageSize. Reads are
// aligned so that members catching up on the same chat ask for the same
// pages.
const pageSize = 256

// cachedPages bounds the pages a chat keeps once read (at most
// cachedPages*pageSize messages; the oldest-read page goes first). When a
// thousand members reconnect at once (after a restart, or after being cut
// as slow consumers) and sync the same chat, each page is read from the
// store once, not once per member; reads of a page already in flight wait
// for it instead of reading it again.
const cachedPages = 16

// maxNodePages bounds the pages all chats of a node keep together (4,096
// pages: about a million messages, a few hundred MB at most with long
// bodies). A chat that would go past it first gives up its own oldest page
// and, holding none, keeps nothing; the count is linkup_history_pages_cached.
const maxNodePages = 4096

// pageCache is a chat's pages read from the store and the reads in flight.
// Messages never change once stored, so a cached page never goes stale.
type pageCache struct {
	pages   map[uint64][]chat.Item
	order   []uint64
	loading map[uint64][]*pageRead
}

// pageRead is one answer (history, sync, or a duplicate's ack) waiting for
// the pages that cover lo..hi.
type pageRead struct {
	lo, hi  uint64
	to      *actor.PID
	answer  func([]chat.Item, *protocol.Error) any
	parts   map[uint64][]chat.Item
	missing int
	failed  bool
}

// chatPageLoaded is a page read from the store on a loader goroutine.
type chatPageLoaded struct {
	Index uint64
	Msgs  []chat.Item
	Err   error
}

func pageOf(seq uint64) uint64            { return (seq - 1) / pageSize }
func pageBounds(k uint64) (lo, hi uint64) { return k*pageSize + 1, (k + 1) * pageSize }

// messages answers with the messages lo..hi: from the ring of recent
// messages or the page cache when they hold them, else from the store on a
// loader goroutine that reports back to the chat (the chat does not wait).
func (c *chatActor) messages(ctx actor.Context, o origin, lo, hi uint64, answer func([]chat.Item, *protocol.Error) any) {
	if lo > hi {
		ctx.Send(o.Conn, answer(nil, nil))
		return
	}
	if msgs, ok := c.recent.span(lo, hi); ok {
		c.node.m.pagesFrom.ring.Inc()
		ctx.Send(o.Conn, answer(msgs, nil))
		return
	}
	r := &pageRead{lo: lo, hi: hi, to: o.Conn, answer: answer, parts: map[uint64][]chat.Item{}}
	for k := pageOf(lo); k <= pageOf(hi); k++ {
		if msgs, ok := c.pageInMemory(k, lo, hi); ok {
			r.parts[k] = msgs
			continue
		}
		r.missing++
		c.awaitPage(ctx, k, r)
	}
	if r.missing == 0 {
		c.finishRead(ctx, r)
	}
}

// pageInMemory returns page k's messages within lo..hi from the cache (if
// the cached page reaches far enough: the newest page may have been read
// while it was still filling) or the ring.
func (c *chatActor) pageInMemory(k, lo, hi uint64) ([]chat.Item, bool) {
	plo, phi := pageBounds(k)
	if msgs, ok := c.pages.pages[k]; ok && msgs[len(msgs)-1].Seq >= min(hi, phi) {
		c.node.m.pagesFrom.cache.Inc()
		return msgs, true
	}
	if msgs, ok := c.recent.span(max(lo, plo), min(hi, phi)); ok {
		c.node.m.pagesFrom.ring.Inc()
		return msgs, true
	}
	return nil, false
}

// awaitPage adds r to the readers of page k, starting the store read if
// none is in flight.
func (c *chatActor) awaitPage(ctx actor.Context, k uint64, r *pageRead) {
	if c.pages.loading == nil {
		c.pages.loading = map[uint64][]*pageRead{}
	}
	if waiting, ok := c.pages.loading[k]; ok {
		c.node.m.pagesFrom.shared.Inc()
		c.pages.loading[k] = append(waiting, r)
		return
	}
	c.node.m.pagesFrom.store.Inc()
	c.pages.loading[k] = []*pageRead{r}
	lo, hi := pageBounds(k)
	from, _ := c.state.RevisionOfSeq(lo)
	self, n, id := ctx.Self(), c.node, c.id
	ok := n.loads.run(func() {
		msgs, err := readMessages(n.ctx, n.store, id, from, lo, hi)
		n.system.Root.Send(self, chatPageLoaded{Index: k, Msgs: msgs, Err: err})
	})
	if !ok {
		ctx.Send(self, chatPageLoaded{Index: k, Err: errLoadsFull})
	}
}

// onPageLoaded keeps the page and finishes the reads it completes.
func (c *chatActor) onPageLoaded(ctx actor.Context, m chatPageLoaded) {
	waiting := c.pages.loading[m.Index]
	delete(c.pages.loading, m.Index)
	if m.Err == nil {
		c.keepPage(m.Index, m.Msgs)
	}
	for _, r := range waiting {
		r.parts[m.Index], r.failed = m.Msgs, r.failed || m.Err != nil
		if r.missing--; r.missing == 0 {
			c.finishRead(ctx, r)
		}
	}
}

// keepPage caches page k if it is gap-free from its first seq (the newest
// page may be partial: it then serves reads up to its last message and is
// replaced by a longer read), evicting the chat's oldest-read page past
// cachedPages or the node past maxNodePages.
func (c *chatActor) keepPage(k uint64, msgs []chat.Item) {
	plo, _ := pageBounds(k)
	if len(msgs) == 0 || msgs[0].Seq != plo || msgs[len(msgs)-1].Seq != plo+uint64(len(msgs))-1 {
		return
	}
	if c.pages.pages == nil {
		c.pages.pages = map[uint64][]chat.Item{}
	}
	if _, ok := c.pages.pages[k]; !ok {
		full := len(c.pages.order) == cachedPages || c.node.pagesCached.Load() >= c.node.maxPages
		if full && len(c.pages.order) == 0 {
			return
		}
		if full {
			c.dropOldestPage()
		}
		c.pages.order = append(c.pages.order, k)
		c.node.pagesCached.Add(1)
		c.node.m.pagesCached.Inc()
	}
	c.pages.pages[k] = msgs
}

func (c *chatActor) dropOldestPage() {
	delete(c.pages.pages, c.pages.order[0])
	c.pages.order = append(c.pages.order[:0], c.pages.order[1:]...)
	c.node.pagesCached.Add(-1)
	c.node.m.pagesCached.Dec()
}

// finishRead answers r with its messages in seq order. A page read while
// the chat was shorter than it is now (a read joined after newer messages
// became durable) can lack the newest of lo..hi: then r is read again
// whole, directly, so an answer is never short.
func (c *chatActor) finishRead(ctx actor.Context, r *pageRead) {
	if r.failed {
		ctx.Send(r.to, r.answer(nil, ErrStoreUnavailable))
		return
	}
	out := make([]chat.Item, 0, r.hi-r.lo+1)
	for k := pageOf(r.lo); k <= pageOf(r.hi); k++ {
		for _, m := range r.parts[k] {
			if m.Seq >= r.lo && m.Seq <= r.hi {
				out = append(out, m)
			}
		}
	}
	if uint64(len(out)) == r.hi-r.lo+1 {
		ctx.Send(r.to, r.answer(out, nil))
		return
	}
	c.node.m.pagesFrom.reread.Inc()
	from, _ := c.state.RevisionOfSeq(r.lo)
	n, id := c.node, c.id
	ok := n.loads.run(func() {
		msgs, err := readMessages(n.ctx, n.store, id, from, r.lo, r.hi)
		var e *protocol.Error
		if err != nil {
			e = ErrStoreUnavailable
		}
		n.system.Root.Send(r.to, r.answer(msgs, e))
	})
	if !ok {
		ctx.Send(r.to, r.answer(nil, ErrStoreUnavailable))
	}
}
