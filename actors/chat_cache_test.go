package actors

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
	dto "github.com/prometheus/client_model/go"
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

// TestPageCacheIsBoundedPerChat: a chat keeps at most cachedPages pages,
// dropping its oldest-read one (and saying which, for the node's budget);
// a page with a gap at its start is never kept.
func TestPageCacheIsBoundedPerChat(t *testing.T) {
	var p pageCache
	var dropped []uint64
	for k := range uint64(cachedPages + 5) {
		added, d := p.keep(k, page(k))
		if !added {
			t.Fatalf("page %d not added", k)
		}
		dropped = append(dropped, d...)
	}
	if len(p.pages) != cachedPages || p.pages[0] != nil || p.pages[cachedPages+4] == nil {
		t.Fatalf("the chat keeps %d pages (want the newest %d)", len(p.pages), cachedPages)
	}
	if !slices.Equal(dropped, []uint64{0, 1, 2, 3, 4}) {
		t.Fatalf("dropped %v, want the five oldest", dropped)
	}
	if added, d := p.keep(cachedPages+4, page(cachedPages+4)); added || d != nil {
		t.Fatal("keeping a page again counted as a new one")
	}
	if added, _ := p.keep(cachedPages+9, page(cachedPages + 9)[3:]); added || p.pages[cachedPages+9] != nil {
		t.Fatal("a page with a gap at its start was kept")
	}
	p.evict(cachedPages + 4)
	if len(p.pages) != cachedPages-1 || len(p.order) != cachedPages-1 {
		t.Fatalf("after an eviction: %d pages, order %v", len(p.pages), p.order)
	}
}

// TestPageBudgetEvictsTheNodesOldestPages: past its bound the budget
// evicts the oldest kept pages of any chat; pages a chat dropped itself, or
// of a chat that stopped, no longer count.
func TestPageBudgetEvictsTheNodesOldestPages(t *testing.T) {
	b := newPageBudget(3)
	a, c := &actor.PID{Id: "a"}, &actor.PID{Id: "c"}
	for k := range uint64(3) {
		if evict, _ := b.kept(a, k); evict != nil {
			t.Fatalf("evicted %v below the bound", evict)
		}
	}
	evict, newChat := b.kept(c, 7)
	if !newChat || len(evict) != 1 || evict[0].chat != a || evict[0].index != 0 || b.len() != 3 {
		t.Fatalf("past the bound: evict %v (want a's page 0), %d pages", evict, b.len())
	}
	b.dropped("a", []uint64{1})
	if evict, _ := b.kept(c, 8); evict != nil || b.len() != 3 {
		t.Fatalf("a page a chat dropped still counts: evict %v, %d pages", evict, b.len())
	}
	b.gone("a")
	if b.len() != 2 {
		t.Fatalf("a stopped chat's pages still count: %d", b.len())
	}
}

// TestNodeEvictsAnotherChatsPageAtItsBound: with a node-wide bound of two
// pages, two old pages read from chat a and one from chat b leave the
// node holding two (linkup_history_pages_cached), and a's first page has
// gone: reading it again goes to the store.
func TestNodeEvictsAnotherChatsPageAtItsBound(t *testing.T) {
	n, _ := newTestNode(t)
	n.pageOwner = n.spawnPageOwner(2) // before any chat runs
	open := make(chan struct{})
	close(open)
	sock := &gatedSocket{gate: open}
	c := n.Connect(ConnInfo{ConnectionID: "k", UserID: "alice"}, sock)
	const msgs = recentMessages + 2*pageSize + 1 // pages 0 and 1 are out of the ring
	for _, chat := range []string{"a", "b"} {
		c.Handle(protocol.CreateChat{Ref: "c-" + chat, ChatID: chat, Title: "t"})
		sendInRounds(t, c, sock, chat, "s-"+chat, msgs)
	}
	history := func(chat string, before uint64, ref string) {
		c.Handle(protocol.GetHistory{Ref: ref, ChatID: chat, BeforeSeq: before, Limit: pageSize})
		waitFor(t, sock, `"ref":"`+ref+`"`)
	}
	history("a", pageSize+1, "h-a0")
	history("a", 2*pageSize+1, "h-a1")
	history("b", pageSize+1, "h-b0")
	if got := metricValue(n.m.pagesFrom.store); got != 3 {
		t.Fatalf("%v pages read from the store, want 3", got)
	}
	poll.Until(t, 10*time.Second, "a's page 0 evicted", func() bool {
		history("a", pageSize+1, fmt.Sprint("again", time.Now().UnixNano()))
		return metricValue(n.m.pagesFrom.store) > 3
	})
	poll.Until(t, 10*time.Second, "the node holds 2 pages", func() bool { return gaugeValue(n.m.pagesCached) == 2 })
}

// sendInRounds sends n messages to chat (refs prefix0, prefix1, ...),
// waiting for the ack of every 256th: the sender's connection also gets
// its own messages' deliveries (skipped, but counted against the chat's
// maxDeliverBacklog), and 1,500 sends queued at once could put them past
// it and drop the connection as a slow consumer (the rate limits that
// prevent it are lifted in tests).
func sendInRounds(t *testing.T, c *Conn, sock *gatedSocket, chat, prefix string, n int) {
	t.Helper()
	for i := range n {
		c.Handle(protocol.SendMessage{Ref: fmt.Sprint(prefix, i), ChatID: chat, ClientMsgID: fmt.Sprint(i), Body: "x"})
		if i%256 == 255 || i == n-1 {
			waitFor(t, sock, fmt.Sprintf(`"ref":"%s%d"`, prefix, i))
		}
	}
}

func page(k uint64) []chat.Item {
	out := make([]chat.Item, pageSize)
	for i := range out {
		out[i].Seq = k*pageSize + uint64(i) + 1
	}
	return out
}

func gaugeValue(g interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	_ = g.Write(&m)
	return m.GetGauge().GetValue()
}

// TestStoppedChatsPagesStopCounting: the page budget's owner watches the
// chats it counts, so when a chat with a cached page goes idle and stops,
// linkup_history_pages_cached goes back to 0.
func TestStoppedChatsPagesStopCounting(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}, ChatIdleAfter: 50 * time.Millisecond,
		Limits: Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sock := &gatedSocket{gate: open}
	c := n.Connect(ConnInfo{ConnectionID: "k", UserID: "alice"}, sock)
	c.Handle(protocol.CreateChat{Ref: "c", ChatID: "a", Title: "t"})
	const msgs = recentMessages + pageSize + 1 // page 0 is out of the ring
	sendInRounds(t, c, sock, "a", "s-", msgs)
	c.Handle(protocol.GetHistory{Ref: "h", ChatID: "a", BeforeSeq: pageSize + 1, Limit: pageSize})
	waitFor(t, sock, `"ref":"h"`)
	poll.Until(t, 10*time.Second, "one page counted", func() bool { return gaugeValue(n.m.pagesCached) == 1 })
	c.Closed("test")
	poll.Until(t, 10*time.Second, "the idle chat stopped", func() bool { return metricValue(n.m.chatsIdled) == 1 })
	poll.Until(t, 10*time.Second, "its page no longer counted", func() bool { return gaugeValue(n.m.pagesCached) == 0 })
}
