package actors

import (
	"context"
	"encoding/json"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// recentMessages is how many of a chat's newest messages its actor keeps in
// memory to answer history and sync without the store.
const recentMessages = 1024

// messageRing holds the newest timeline items of a chat in seq order.
type messageRing struct {
	buf  []chat.Item
	head int
	n    int
}

// newMessageRing returns an empty ring of at most n messages. Its buffer
// grows with the messages (an idle or new chat holds none, not n).
func newMessageRing(n int) *messageRing {
	return &messageRing{n: n}
}

func (r *messageRing) reset() { r.buf, r.head = r.buf[:0], 0 }

func (r *messageRing) add(m chat.Item) {
	if len(r.buf) < r.n {
		r.buf = append(r.buf, m)
		return
	}
	r.buf[r.head] = m
	r.head = (r.head + 1) % r.n
}

// firstSeq is the oldest seq held (0 when empty).
func (r *messageRing) firstSeq() uint64 {
	if len(r.buf) == 0 {
		return 0
	}
	return r.buf[r.head%len(r.buf)].Seq
}

// span returns the held messages with lo <= seq <= hi, in order, if the ring
// covers all of them.
func (r *messageRing) span(lo, hi uint64) ([]chat.Item, bool) {
	first := r.firstSeq()
	if len(r.buf) == 0 || lo < first {
		return nil, false
	}
	var out []chat.Item
	for i := range len(r.buf) {
		m := r.buf[(r.head+i)%len(r.buf)]
		if m.Seq >= lo && m.Seq <= hi {
			out = append(out, m)
		}
	}
	return out, true
}

func (c *chatActor) onHistory(ctx actor.Context, m chatHistoryReq) {
	if err := CheckReadable(c.state, m.User); err != nil {
		c.replyErr(ctx, m.origin, "get_history", protocol.AsError(err))
		c.retireIfEmpty(ctx)
		return
	}
	hi := c.state.LatestSeq
	if m.Before > 0 {
		hi = min(hi, m.Before-1)
	}
	lo := uint64(1)
	if hi >= uint64(m.Limit) {
		lo = hi - uint64(m.Limit) + 1
	}
	ov, enc, id := c.state.Overlay(hi), c.node.enc, c.id
	c.messages(ctx, m.origin, lo, hi, func(items []chat.Item, err *protocol.Error) any {
		if err != nil {
			return replyError{Ref: m.Ref, Command: "get_history", ChatID: id, Err: err}
		}
		return replyFrame{Frame: protocol.HistoryFrame{Ref: m.Ref, ChatID: id, Messages: historyItems(enc, ov, items)}}
	})
}

func (c *chatActor) onSync(ctx actor.Context, m chatSyncReq) {
	if err := CheckReadable(c.state, m.User); err != nil {
		if c.awaitFresh(ctx, m, m.Sent) { // a member added on another node, or the chat created there
			return
		}
		c.refuse(ctx, m, protocol.AsError(err))
		c.retireIfEmpty(ctx)
		return
	}
	// A position past the chat's latest seq: the client holds items this
	// node has not applied yet (its log follower is behind); the answer
	// waits for them, so none comes live afterwards (chat_fresh.go).
	if m.Limit > 0 && m.After > c.state.LatestSeq && c.awaitFresh(ctx, m, m.Sent) {
		return
	}
	// A syncing connection is subscribed here, in the same step as its
	// answer is cut, so no message can fall between the two: everything up
	// to LatestSeq is in the answer, everything after is delivered live.
	c.subscribe(m.Conn, m.User)
	s := c.state
	info := protocol.SyncChat{LatestSeq: s.LatestSeq, LastReadSeq: s.Read[m.User], Unread: s.Unread(m.User)}
	lo, hi := m.After+1, s.LatestSeq
	if hi >= lo && hi-lo+1 > uint64(m.Limit) {
		hi, info.Truncated = lo+uint64(m.Limit)-1, true
	}
	ov := s.Overlay(hi)
	c.messages(ctx, m.origin, lo, hi, func(items []chat.Item, err *protocol.Error) any {
		return syncPart{Agg: m.Agg, ChatID: c.id, Messages: shown(ov, items), Info: info, Err: err}
	})
}

// shown returns items as they stand now (chat.Overlay.Show), in a new
// slice: the items given may be a cached page.
func shown(ov chat.Overlay, items []chat.Item) []chat.Item {
	out := make([]chat.Item, len(items))
	for i, it := range items {
		out[i] = ov.Show(it)
	}
	return out
}

// historyItems encodes items as history shows them: each as its live
// frame, `type` included, with edits and deletions shown.
func historyItems(enc Encoder, ov chat.Overlay, items []chat.Item) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		if b, err := enc.Encode(timelineFrame(ov.Show(it))); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// readMessages reads the timeline items lo..hi of a chat, starting at
// stream revision from (at or before the revision of lo).
func readMessages(ctx context.Context, store events.Store, chatID string, from, lo, hi uint64) ([]chat.Item, error) {
	out := make([]chat.Item, 0, hi-lo+1)
	for rec, err := range store.ReadStream(ctx, events.ChatStream(chatID), events.ReadStreamOptions{From: from}) {
		if err != nil {
			return nil, err
		}
		if !chat.IsTimelineType(rec.Type) {
			continue
		}
		ev, err := events.Decode(rec)
		if err != nil {
			return nil, err
		}
		it, _ := chat.ItemOf(ev)
		if it.Seq > hi {
			break
		}
		if it.Seq >= lo {
			out = append(out, it)
		}
	}
	return out, nil
}

// ackDuplicate answers a repeated send with the original message's ack,
// read from the ring or, on a loader goroutine, from the store.
func (c *chatActor) ackDuplicate(ctx actor.Context, m chatPost, seq uint64) {
	c.messages(ctx, m.origin, seq, seq, func(items []chat.Item, err *protocol.Error) any {
		if err != nil || len(items) != 1 || items[0].Kind != chat.KindMessage {
			return replyError{Ref: m.Ref, Command: "send_message", ChatID: c.id, Err: ErrStoreUnavailable}
		}
		return replyFrame{Frame: ackOf(m.Ref, items[0].Message)}
	})
}
