package actors

import (
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// aggKey names one answer an aggregate waits for: a chat's (list_chats,
// sync_request) or a bulk_read_receipt item's. It is typed so that no chat
// id, whatever its spelling, can be taken for an item.
type aggKey struct {
	chat string
	item int // a bulk item's index + 1; 0 for a chat
}

func chatKey(id string) aggKey { return aggKey{chat: id} }
func itemKey(i int) aggKey     { return aggKey{item: i + 1} }

// bulkItem returns the index of a bulk item's key.
func (k aggKey) bulkItem() (int, bool) { return k.item - 1, k.item > 0 }

// aggregate gathers the answers of several chats to one client command. Its
// bookkeeping (take, expire, frame) is pure; the connection actor drives it.
type aggregate struct {
	ref     string
	command string
	waiting map[aggKey]struct{}
	order   []string
	chats   map[string]ChatSummary
	sync    map[string]SyncChat
	results []BulkResult
	budget  int // sync: message frames the answer may still carry
	timer   *time.Timer
}

// newAggregate waits for one answer per key.
func newAggregate(ref, command string, keys []aggKey) *aggregate {
	a := &aggregate{ref: ref, command: command, waiting: make(map[aggKey]struct{}, len(keys)),
		chats: map[string]ChatSummary{}, sync: map[string]SyncChat{}}
	for _, k := range keys {
		a.waiting[k] = struct{}{}
	}
	return a
}

// take marks key answered; false if it was not awaited (unknown, or
// answered already).
func (a *aggregate) take(key aggKey) bool {
	if _, ok := a.waiting[key]; !ok {
		return false
	}
	delete(a.waiting, key)
	return true
}

// done reports whether every answer is in.
func (a *aggregate) done() bool { return len(a.waiting) == 0 }

// expire gives up on every answer still missing: bulk items become
// `unavailable`; the chats are returned so that their syncs can be
// abandoned.
func (a *aggregate) expire() (chats []string) {
	for key := range a.waiting {
		if i, ok := key.bulkItem(); ok && i < len(a.results) {
			a.results[i].Error = &ErrorFrame{Code: CodeUnavailable, Message: ErrStoreUnavailable.Message}
		} else if !ok {
			chats = append(chats, key.chat)
		}
		delete(a.waiting, key)
	}
	return chats
}

func (c *connActor) newAgg(ctx actor.Context, ref, command string, keys []aggKey) (uint64, *aggregate) {
	c.nextAgg++
	id := c.nextAgg
	a := newAggregate(ref, command, keys)
	self, sys := ctx.Self(), c.node.system
	a.timer = time.AfterFunc(c.node.cfg.RequestTimeout, func() { sys.Root.Send(self, aggTimeout{Agg: id}) })
	if c.aggs == nil {
		c.aggs = map[uint64]*aggregate{}
	}
	c.aggs[id] = a
	return id, a
}

func (c *connActor) listChats(ctx actor.Context, m ListChats) {
	chats := c.node.dir.ChatsOf(c.info.UserID)
	id, a := c.newAgg(ctx, m.Ref, m.CommandType(), chatKeys(chats))
	a.order = chats
	for _, ch := range chats {
		c.node.sendChat(ch, chatSummaryReq{origin: c.origin(ctx, m.Ref), Agg: id})
	}
	c.maybeComplete(ctx, id)
}

func (c *connActor) sync(ctx actor.Context, m SyncRequest) {
	limit := m.Limit
	if limit <= 0 {
		limit = DefaultSyncLimit
	}
	limit = min(limit, MaxSyncLimit)
	mine := c.node.dir.ChatsOf(c.info.UserID)
	for ch := range m.Positions {
		if !slices.Contains(mine, ch) {
			c.fail(ctx, m.Ref, m.CommandType(), ch, ErrNotMember)
		}
	}
	id, a := c.newAgg(ctx, m.Ref, m.CommandType(), chatKeys(mine))
	a.budget = c.node.cfg.Limits.SyncMessages
	for _, ch := range mine {
		c.syncChat(ctx, m, id, ch, min(limit, a.budget))
	}
	c.maybeComplete(ctx, id)
}

func (c *connActor) syncChat(ctx actor.Context, m SyncRequest, id uint64, ch string, limit int) {
	req := chatSyncReq{origin: c.origin(ctx, m.Ref), Backlog: &c.backlog, Agg: id, Limit: limit}
	if pos, listed := m.Positions[ch]; listed {
		req.After = pos
		if c.syncing == nil {
			c.syncing = map[string]*syncBuf{}
		}
		if c.syncing[ch] == nil {
			c.syncing[ch] = &syncBuf{}
		}
	} else {
		req.After, req.Limit = ^uint64(0)-1, 0 // status only, no messages
	}
	c.node.sendChat(ch, req)
}

func (c *connActor) bulkRead(ctx actor.Context, m BulkReadReceipt) {
	keys := make([]aggKey, len(m.Receipts))
	for i := range m.Receipts {
		keys[i] = itemKey(i)
	}
	id, a := c.newAgg(ctx, m.Ref, m.CommandType(), keys)
	a.results = make([]BulkResult, len(m.Receipts))
	for i, r := range m.Receipts {
		a.results[i].ChatID = r.ChatID
	}
	for i, r := range m.Receipts {
		c.bulkItem(ctx, m.Ref, id, i, r)
	}
	c.maybeComplete(ctx, id)
}

func (c *connActor) bulkItem(ctx actor.Context, ref string, id uint64, i int, r ReceiptItem) {
	err := r.Err
	if err == nil {
		err = asErrOrNil(validateChatID(r.ChatID))
	}
	if err != nil {
		c.aggregatePart(ctx, bulkPart{Slot: bulkSlot{Agg: id, Index: i}, Result: BulkResult{ChatID: r.ChatID,
			Error: &ErrorFrame{Code: err.Code, Message: err.Message}}})
		return
	}
	c.node.sendChat(r.ChatID, chatRead{origin: c.origin(ctx, ref), Seq: r.Seq, Bulk: &bulkSlot{Agg: id, Index: i}})
}

// aggregatePart files one chat's answer and completes the aggregate when
// nothing is missing.
func (c *connActor) aggregatePart(ctx actor.Context, msg any) {
	switch p := msg.(type) {
	case summaryPart:
		c.filePart(ctx, p.Agg, chatKey(p.Summary.ChatID), func(a *aggregate) {
			if p.Err == nil {
				a.chats[p.Summary.ChatID] = p.Summary
			}
		})
	case syncPart:
		c.filePart(ctx, p.Agg, chatKey(p.ChatID), func(a *aggregate) { c.fileSync(ctx, a, p) })
	case bulkPart:
		c.filePart(ctx, p.Slot.Agg, itemKey(p.Slot.Index), func(a *aggregate) { a.results[p.Slot.Index] = p.Result })
	case aggTimeout:
		c.expire(ctx, p.Agg)
	}
}

func (c *connActor) fileSync(ctx actor.Context, a *aggregate, p syncPart) {
	if p.Err != nil {
		c.abandonSync(p.ChatID)
		c.fail(ctx, a.ref, a.command, p.ChatID, p.Err)
		return
	}
	if len(p.Messages) > a.budget {
		p.Messages, p.Info.Truncated = p.Messages[:a.budget], true
	}
	a.budget -= len(p.Messages)
	c.endSync(ctx, p)
	a.sync[p.ChatID] = p.Info
}

func (c *connActor) filePart(ctx actor.Context, id uint64, key aggKey, file func(*aggregate)) {
	a, ok := c.aggs[id]
	if !ok || !a.take(key) {
		return
	}
	file(a)
	c.maybeComplete(ctx, id)
}

func (c *connActor) maybeComplete(ctx actor.Context, id uint64) {
	a, ok := c.aggs[id]
	if !ok || !a.done() {
		return
	}
	a.timer.Stop()
	delete(c.aggs, id)
	c.send(ctx, a.frame())
}

// expire completes an aggregate whose chats did not all answer in time.
func (c *connActor) expire(ctx actor.Context, id uint64) {
	a, ok := c.aggs[id]
	if !ok {
		return
	}
	c.node.m.timeouts.Inc()
	for _, chat := range a.expire() {
		c.abandonSync(chat)
	}
	c.maybeComplete(ctx, id)
}

func (a *aggregate) frame() Frame {
	switch a.command {
	case "list_chats":
		out := make([]ChatSummary, 0, len(a.chats))
		for _, id := range a.order {
			if s, ok := a.chats[id]; ok {
				out = append(out, s)
			}
		}
		return ChatsFrame{Ref: a.ref, Chats: out}
	case "sync_request":
		return SyncCompleteFrame{Ref: a.ref, Chats: a.sync}
	default:
		return AckBulkRead{Ref: a.ref, Results: a.results}
	}
}

func chatKeys(chats []string) []aggKey {
	keys := make([]aggKey, len(chats))
	for i, ch := range chats {
		keys[i] = chatKey(ch)
	}
	return keys
}

// abandonSync ends a chat's sync that failed or timed out: the live frames
// held for it are dropped and the chat is marked behind, so the client sees
// no message out of order and learns (from the error, or the chat missing
// in sync_complete) to sync it again.
func (c *connActor) abandonSync(chatID string) {
	if _, ok := c.syncing[chatID]; ok {
		delete(c.syncing, chatID)
		c.setBehind(chatID, true)
	}
}
