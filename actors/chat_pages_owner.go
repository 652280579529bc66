package actors

import (
	"container/list"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"
)

// Messages between chats and the page budget's owner.
type (
	// pageKept: Chat keeps page Index (a page it did not hold).
	pageKept struct {
		Chat  *actor.PID
		Index uint64
	}
	// pagesDropped: Chat no longer keeps these pages (its own bound,
	// cachedPages, made room).
	pagesDropped struct {
		Chat    *actor.PID
		Indexes []uint64
	}
	// pageEvict tells a chat to drop page Index: the node holds more than
	// maxNodePages and this is its oldest kept page.
	pageEvict struct{ Index uint64 }
)

// pageBudget bounds the history pages all chats of a node keep together.
// Chats tell it what they keep and drop (pageKept, pagesDropped); past
// max, it picks the node's oldest kept pages, of whatever chat, for
// eviction. It is owned by one actor (pageOwner), so no chat shares a
// counter: the bound is kept by messages. A chat keeps a page before the
// owner hears of it, so the node may hold a few more than max for the
// moment the owner's evictions take (at most the page reads completing
// meanwhile, bounded by the load pool).
type pageBudget struct {
	max   int
	order *list.List // of *budgetPage, oldest kept first
	// pages finds a chat's (by PID id) kept pages in order.
	pages map[string]map[uint64]*list.Element
}

type budgetPage struct {
	chat  *actor.PID
	index uint64
}

func newPageBudget(max int) *pageBudget {
	return &pageBudget{max: max, order: list.New(), pages: map[string]map[uint64]*list.Element{}}
}

// kept records a page and returns the pages to evict, oldest first, to
// bring the node back to max; it reports whether the chat is new to the
// budget (to be watched, so its pages are forgotten when it stops).
func (b *pageBudget) kept(chat *actor.PID, index uint64) (evict []budgetPage, newChat bool) {
	mine, known := b.pages[chat.Id]
	if !known {
		mine = map[uint64]*list.Element{}
		b.pages[chat.Id] = mine
	}
	if _, ok := mine[index]; !ok {
		mine[index] = b.order.PushBack(&budgetPage{chat: chat, index: index})
	}
	for b.order.Len() > b.max {
		p := b.order.Front().Value.(*budgetPage)
		b.forget(p.chat.Id, p.index)
		evict = append(evict, *p)
	}
	return evict, !known
}

// dropped forgets pages a chat dropped itself.
func (b *pageBudget) dropped(chat string, indexes []uint64) {
	for _, k := range indexes {
		b.forget(chat, k)
	}
}

// gone forgets every page of a chat that stopped.
func (b *pageBudget) gone(chat string) {
	for _, e := range b.pages[chat] {
		b.order.Remove(e)
	}
	delete(b.pages, chat)
}

func (b *pageBudget) forget(chat string, index uint64) {
	mine := b.pages[chat]
	if e, ok := mine[index]; ok {
		b.order.Remove(e)
		delete(mine, index)
	}
	if mine != nil && len(mine) == 0 {
		delete(b.pages, chat)
	}
}

// len is how many pages the node's chats keep, as far as the budget knows.
func (b *pageBudget) len() int { return b.order.Len() }

// pageOwner is the actor that owns the node's page budget; it publishes
// the count as linkup_history_pages_cached.
type pageOwner struct {
	budget *pageBudget
	gauge  prometheus.Gauge
}

// Receive is the owner's one type switch.
func (o *pageOwner) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case pageKept:
		evict, newChat := o.budget.kept(m.Chat, m.Index)
		if newChat {
			ctx.Watch(m.Chat)
		}
		for _, p := range evict {
			ctx.Send(p.chat, pageEvict{Index: p.index})
		}
	case pagesDropped:
		o.budget.dropped(m.Chat.Id, m.Indexes)
	case *actor.Terminated:
		o.budget.gone(m.Who.Id)
	}
	o.gauge.Set(float64(o.budget.len()))
}

// spawnPageOwner starts the owner of the node's page budget (max pages).
func (n *Node) spawnPageOwner(max int) *actor.PID {
	return newKind(n, "pages").spawn(n.system.Root, &pageOwner{budget: newPageBudget(max), gauge: n.m.pagesCached})
}
