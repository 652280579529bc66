package actors

import (
	"context"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/events"
)

// recentMessages is how many of a chat's newest messages its actor keeps in
// memory to answer history and sync without the store.
const recentMessages = 1024

// messageRing holds the newest messages of a chat in seq order.
type messageRing struct {
	buf  []events.MessagePosted
	head int
	n    int
}

// newMessageRing returns an empty ring of at most n messages. Its buffer
// grows with the messages (an idle or new chat holds none, not n).
func newMessageRing(n int) *messageRing {
	return &messageRing{n: n}
}

func (r *messageRing) reset() { r.buf, r.head = r.buf[:0], 0 }

func (r *messageRing) add(m events.MessagePosted) {
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
func (r *messageRing) span(lo, hi uint64) ([]events.MessagePosted, bool) {
	first := r.firstSeq()
	if len(r.buf) == 0 || lo < first {
		return nil, false
	}
	var out []events.MessagePosted
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
		c.replyErr(ctx, m.origin, "get_history", AsError(err))
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
	reply := func(msgs []events.MessagePosted) Frame {
		return HistoryFrame{Ref: m.Ref, ChatID: c.id, Messages: messageFrames(msgs)}
	}
	c.messages(ctx, m.origin, lo, hi, func(msgs []events.MessagePosted, err *Error) any {
		if err != nil {
			return replyError{Ref: m.Ref, Command: "get_history", ChatID: c.id, Err: err}
		}
		return replyFrame{Frame: reply(msgs)}
	})
}

func (c *chatActor) onSync(ctx actor.Context, m chatSyncReq) {
	if err := CheckReadable(c.state, m.User); err != nil {
		c.refuse(ctx, m, AsError(err))
		c.retireIfEmpty(ctx)
		return
	}
	// A syncing connection is subscribed here, in the same step as its
	// answer is cut, so no message can fall between the two: everything up
	// to LatestSeq is in the answer, everything after is delivered live.
	c.subs[m.Conn.Id] = subscriber{pid: m.Conn, user: m.User, backlog: m.Backlog}
	s := c.state
	info := SyncChat{LatestSeq: s.LatestSeq, LastReadSeq: s.Read[m.User], Unread: s.Unread(m.User)}
	lo, hi := m.After+1, s.LatestSeq
	if hi >= lo && hi-lo+1 > uint64(m.Limit) {
		hi, info.Truncated = lo+uint64(m.Limit)-1, true
	}
	c.messages(ctx, m.origin, lo, hi, func(msgs []events.MessagePosted, err *Error) any {
		return syncPart{Agg: m.Agg, ChatID: c.id, Messages: msgs, Info: info, Err: err}
	})
}

// readMessages reads the messages lo..hi of a chat, starting at stream
// revision from (the revision of lo).
func readMessages(ctx context.Context, store events.Store, chatID string, from, lo, hi uint64) ([]events.MessagePosted, error) {
	out := make([]events.MessagePosted, 0, hi-lo+1)
	for rec, err := range store.ReadStream(ctx, events.ChatStream(chatID), events.ReadStreamOptions{From: from}) {
		if err != nil {
			return nil, err
		}
		if rec.Type != events.TypeMessagePosted {
			continue
		}
		ev, err := events.Decode(rec)
		if err != nil {
			return nil, err
		}
		m, _ := ev.(events.MessagePosted)
		if m.Seq > hi {
			break
		}
		if m.Seq >= lo {
			out = append(out, m)
		}
	}
	return out, nil
}

func messageFrames(msgs []events.MessagePosted) []MessageFrame {
	out := make([]MessageFrame, len(msgs))
	for i, m := range msgs {
		out[i] = messageFrameOf(m)
	}
	return out
}

// ackDuplicate answers a repeated send with the original message's ack,
// read from the ring or, on a loader goroutine, from the store.
func (c *chatActor) ackDuplicate(ctx actor.Context, m chatPost, seq uint64) {
	c.messages(ctx, m.origin, seq, seq, func(msgs []events.MessagePosted, err *Error) any {
		if err != nil || len(msgs) != 1 {
			return replyError{Ref: m.Ref, Command: "send_message", ChatID: c.id, Err: ErrStoreUnavailable}
		}
		return replyFrame{Frame: ackOf(m.Ref, msgs[0])}
	})
}
