package actors

import (
	"maps"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/protocol"
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
	chats   map[string]protocol.ChatSummary
	sync    map[string]protocol.SyncChat
	results []protocol.BulkResult
	budget  int // sync: message frames the answer may still carry
	// fails are the chats (sync) or items (bulk) refused, recorded as one
	// error event when the aggregate completes.
	fails []chatFailure
	// chatErrs are the chats that answered a sync with an error, sent
	// together before sync_complete.
	chatErrs []chatFailure
	timer    *time.Timer
}

// newAggregate waits for one answer per key.
func newAggregate(ref, command string, keys []aggKey) *aggregate {
	a := &aggregate{ref: ref, command: command, waiting: make(map[aggKey]struct{}, len(keys)),
		chats: map[string]protocol.ChatSummary{}, sync: map[string]protocol.SyncChat{}}
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
			a.results[i].Error = &protocol.ErrorFrame{Code: protocol.CodeUnavailable, Message: ErrStoreUnavailable.Message}
		} else if !ok {
			chats = append(chats, key.chat)
		}
		delete(a.waiting, key)
	}
	return chats
}

func (c *connActor) newAgg(ctx actor.Context, ref, command string, keys []aggKey) (uint64, *aggregate) {
	id := c.nextReq()
	a := newAggregate(ref, command, keys)
	self, sys := ctx.Self(), c.node.system
	a.timer = time.AfterFunc(c.node.cfg.RequestTimeout, func() { sys.Root.Send(self, aggTimeout{Agg: id}) })
	c.addAgg(id, a)
	return id, a
}

func (c *connActor) listChats(ctx actor.Context, m protocol.ListChats) {
	chats := c.node.dir.ChatsOf(c.info.UserID)
	id, a := c.newAgg(ctx, m.Ref, m.CommandType(), chatKeys(chats))
	a.order = chats
	for _, ch := range chats {
		c.node.sendChat(ch, chatSummaryReq{origin: c.origin(ctx, m.Ref), Agg: id})
	}
	c.maybeComplete(ctx, id)
}

func (c *connActor) sync(ctx actor.Context, m protocol.SyncRequest) {
	first := c.hold == holdSync && c.holdAgg() == 0 // the first frame's sync: held items follow its sync_complete
	if first {
		c.requests().holdAgg = holdPending
	}
	mine := c.node.dir.ChatsOf(c.info.UserID)
	if unknown := unlisted(mine, m.Positions); len(unknown) > 0 {
		c.probeSync(ctx, m, mine, unknown, first) // connection_sync_probe.go
		return
	}
	c.syncChats(ctx, m, mine, nil, first)
}

// syncChats syncs the chats of mine (those listed in the request's
// positions with their items, the others status only); the listed chats
// not in mine are refused by one not_member error, with failed (chats
// that could not tell whether the user is a member), before any item.
func (c *connActor) syncChats(ctx actor.Context, m protocol.SyncRequest, mine []string, failed []chatFailure, first bool) {
	limit := m.Limit
	if limit <= 0 {
		limit = protocol.DefaultSyncLimit
	}
	limit = min(limit, protocol.MaxSyncLimit)
	id, a := c.newAgg(ctx, m.Ref, m.CommandType(), chatKeys(mine))
	refused := strangers(mine, m.Positions)
	for _, f := range failed {
		refused = slices.DeleteFunc(refused, func(r chatFailure) bool { return r.Chat == f.Chat })
	}
	a.fails = append(refused, failed...)
	c.failChats(ctx, m.Ref, a.fails)
	a.budget = c.node.cfg.Limits.SyncMessages
	if first {
		c.reqs.holdAgg = id
	}
	for _, ch := range mine {
		c.syncChat(ctx, m, id, ch, min(limit, a.budget))
	}
	c.maybeComplete(ctx, id)
}

// strangers are the listed chats the user is not in, answered together by
// one not_member error, in a stable order.
func strangers(mine []string, positions map[string]uint64) []chatFailure {
	member := setOf(mine)
	var out []chatFailure
	for _, ch := range slices.Sorted(maps.Keys(positions)) {
		if !member[ch] {
			out = append(out, chatFailure{Chat: ch, Err: ErrNotMember})
		}
	}
	return out
}

func (c *connActor) syncChat(ctx actor.Context, m protocol.SyncRequest, id uint64, ch string, limit int) {
	req := chatSyncReq{origin: c.origin(ctx, m.Ref), Agg: id, Limit: limit, Sent: time.Now()}
	if pos, listed := m.Positions[ch]; listed {
		req.After = pos
		c.seenSet(ch).synced(pos) // connection_seen.go: nothing at or below pos reaches it live
		r := c.requests()
		if r.syncing == nil {
			r.syncing = map[string]*syncBuf{}
		}
		if r.syncing[ch] == nil {
			r.syncing[ch] = &syncBuf{}
		}
	} else {
		req.After, req.Limit = ^uint64(0)-1, 0 // status only, no messages
	}
	c.node.sendChat(ch, req)
}

func (c *connActor) bulkRead(ctx actor.Context, m protocol.BulkReadReceipt) {
	keys := make([]aggKey, len(m.Receipts))
	for i := range m.Receipts {
		keys[i] = itemKey(i)
	}
	id, a := c.newAgg(ctx, m.Ref, m.CommandType(), keys)
	a.results = make([]protocol.BulkResult, len(m.Receipts))
	for i, r := range m.Receipts {
		a.results[i].ChatID = r.ChatID
	}
	mine := setOf(c.node.dir.ChatsOf(c.info.UserID))
	for i, r := range m.Receipts {
		c.bulkItem(ctx, m.Ref, id, i, r, mine)
	}
	c.maybeComplete(ctx, id)
}

// bulkItem sends one receipt to its chat. Items that fail their checks, or
// name a chat the user is not in, are answered at once: a bulk of unknown
// chats costs no chat actor and no store read.
func (c *connActor) bulkItem(ctx actor.Context, ref string, id uint64, i int, r protocol.ReceiptItem, mine map[string]bool) {
	err := r.Err
	if err == nil {
		err = asErrOrNil(validateChatID(r.ChatID))
	}
	if err == nil && !mine[r.ChatID] {
		err = ErrNotMember
	}
	if err != nil {
		c.aggregatePart(ctx, bulkPart{Slot: bulkSlot{Agg: id, Index: i}, Result: protocol.BulkResult{ChatID: r.ChatID,
			Error: &protocol.ErrorFrame{Code: err.Code, Message: err.Message}}})
		return
	}
	c.chatSend(ctx, r.ChatID, chatRead{origin: c.origin(ctx, ref), Seq: r.Seq, Bulk: &bulkSlot{Agg: id, Index: i}})
}

func setOf(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
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
		a.fails = append(a.fails, chatFailure{Chat: p.ChatID, Err: p.Err})
		a.chatErrs = append(a.chatErrs, chatFailure{Chat: p.ChatID, Err: p.Err})
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
	a, ok := c.agg(id)
	if !ok || !a.take(key) {
		return
	}
	file(a)
	c.maybeComplete(ctx, id)
}

func (c *connActor) maybeComplete(ctx actor.Context, id uint64) {
	a, ok := c.agg(id)
	if !ok || !a.done() {
		return
	}
	a.timer.Stop()
	c.reqDone(id)
	c.failChats(ctx, a.ref, a.chatErrs)
	first := id == c.holdAgg() && c.hold == holdSync
	if first {
		c.endHoldSync(a)
	}
	c.send(ctx, a.frame())
	if first {
		c.releaseHeld(ctx)
	}
	c.recordFailures(a.ref, a.command, append(a.fails, a.bulkFailures()...))
}

// expire completes an aggregate whose chats did not all answer in time.
func (c *connActor) expire(ctx actor.Context, id uint64) {
	a, ok := c.agg(id)
	if !ok {
		return
	}
	c.node.m.timeouts.Inc()
	for _, chat := range a.expire() {
		c.abandonSync(chat)
	}
	c.maybeComplete(ctx, id)
}

func (a *aggregate) frame() protocol.Frame {
	switch a.command {
	case "list_chats":
		out := make([]protocol.ChatSummary, 0, len(a.chats))
		for _, id := range a.order {
			if s, ok := a.chats[id]; ok {
				out = append(out, s)
			}
		}
		return protocol.ChatsFrame{Ref: a.ref, Chats: out}
	case "sync_request":
		return protocol.SyncCompleteFrame{Ref: a.ref, Chats: a.sync}
	default:
		return protocol.AckBulkRead{Ref: a.ref, Results: a.results}
	}
}

// bulkFailures are the items of a bulk_read_receipt answered with an error.
func (a *aggregate) bulkFailures() []chatFailure {
	var out []chatFailure
	for _, r := range a.results {
		if r.Error != nil {
			out = append(out, chatFailure{Chat: r.ChatID, Err: &protocol.Error{Code: r.Error.Code, Message: r.Error.Message}})
		}
	}
	return out
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
	if c.reqs == nil {
		return
	}
	if _, ok := c.reqs.syncing[chatID]; ok {
		delete(c.reqs.syncing, chatID)
		c.setBehind(chatID, true)
	}
}
