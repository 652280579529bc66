package actors

import (
	"slices"

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
// bodies). The bound is kept by the page budget's owner
// (chat_pages_owner.go), told by messages what each chat keeps: past it,
// the node's oldest kept pages, of whatever chat, are evicted (pageEvict);
// the count is linkup_history_pages_cached.
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
		c.keepPage(ctx, m.Index, m.Msgs)
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
// replaced by a longer read), dropping the chat's oldest-read page past
// cachedPages, and tells the page budget's owner what changed.
func (c *chatActor) keepPage(ctx actor.Context, k uint64, msgs []chat.Item) {
	added, dropped := c.pages.keep(k, msgs)
	if len(dropped) > 0 {
		ctx.Send(c.node.pageOwner, pagesDropped{Chat: ctx.Self(), Indexes: dropped})
	}
	if added {
		ctx.Send(c.node.pageOwner, pageKept{Chat: ctx.Self(), Index: k})
	}
}

// keep stores page k (see keepPage) and reports whether it is a page the
// cache did not hold and which pages it dropped to make room.
func (p *pageCache) keep(k uint64, msgs []chat.Item) (added bool, dropped []uint64) {
	plo, _ := pageBounds(k)
	if len(msgs) == 0 || msgs[0].Seq != plo || msgs[len(msgs)-1].Seq != plo+uint64(len(msgs))-1 {
		return false, nil
	}
	if p.pages == nil {
		p.pages = map[uint64][]chat.Item{}
	}
	_, held := p.pages[k]
	if !held && len(p.order) == cachedPages {
		dropped = append(dropped, p.order[0])
		p.evict(p.order[0])
	}
	p.pages[k] = msgs
	if !held {
		p.order = append(p.order, k)
	}
	return !held, dropped
}

// evict drops page k, if held (pageEvict: the node is past maxNodePages).
func (p *pageCache) evict(k uint64) {
	if _, ok := p.pages[k]; !ok {
		return
	}
	delete(p.pages, k)
	p.order = slices.DeleteFunc(p.order, func(i uint64) bool { return i == k })
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
