package actors

import (
	"testing"

	"github.com/linkup-chat/linkup/chat"
)

func TestMessageRingSpans(t *testing.T) {
	r := newMessageRing(3)
	for i := uint64(1); i <= 5; i++ {
		r.add(chat.Item{Seq: i, Kind: chat.KindMessage})
	}
	if got, ok := r.span(3, 5); !ok || len(got) != 3 || got[0].Seq != 3 || got[2].Seq != 5 {
		t.Fatalf("span 3..5: %v %v", got, ok)
	}
	if _, ok := r.span(2, 5); ok {
		t.Fatal("span below the ring must fall back to the store")
	}
}

// TestPageCacheIsBoundedPerChatAndPerNode: a chat keeps at most cachedPages
// pages, and all chats of a node at most maxPages together; a chat holding
// none when the node is full keeps nothing.
func TestPageCacheIsBoundedPerChatAndPerNode(t *testing.T) {
	n := newNode(Config{})
	n.maxPages = cachedPages + 2
	page := func(k uint64) []chat.Item {
		out := make([]chat.Item, pageSize)
		for i := range out {
			out[i].Seq = k*pageSize + uint64(i) + 1
		}
		return out
	}
	a, b, c := newChatActor(n, "a"), newChatActor(n, "b"), newChatActor(n, "c")
	for k := range uint64(cachedPages + 5) {
		a.keepPage(k, page(k))
	}
	if len(a.pages.pages) != cachedPages || a.pages.pages[0] != nil || a.pages.pages[cachedPages+4] == nil {
		t.Fatalf("chat a keeps %d pages (want the newest %d)", len(a.pages.pages), cachedPages)
	}
	for k := range uint64(3) {
		b.keepPage(k, page(k))
	}
	if n.pagesCached.Load() != n.maxPages || len(b.pages.pages) != 2 {
		t.Fatalf("node holds %d pages (max %d), chat b %d", n.pagesCached.Load(), n.maxPages, len(b.pages.pages))
	}
	c.keepPage(0, page(0))
	if len(c.pages.pages) != 0 || n.pagesCached.Load() != n.maxPages {
		t.Fatalf("a chat with no page kept one on a full node (%d, node %d)", len(c.pages.pages), n.pagesCached.Load())
	}
	b.keepPage(5, page(5)[3:]) // not starting at the page's first seq: never kept
	if b.pages.pages[5] != nil {
		t.Fatal("a page with a gap at its start was kept")
	}
}
