package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// A chat actor knows its stream as of its last read of it (its load, or a
// catch-up) plus what the node's log follower handed it since. On a node
// whose follower is behind, that may miss what another node stored
// moments ago: items a client already holds, a member just added, the chat
// itself. A request that shows it (a sync from a position past the chat's
// latest seq; a sync or a member check by a user the chat does not list)
// is answered only from a read of the stream that started after the
// request was sent: the chat catches up first (chat_observe.go), then
// answers. By then everything the client could have learned from another
// node was durable, so the answer is the log's, and what the follower
// delivers later is past it (a connection never gets a seq at or below
// its sync position again, PROTOCOL.md section 4).
//
// Requests that do not show a lag cost nothing; one that waits costs at
// most one read of the stream's tail, shared by all waiting at the time.

// maxFreshWaiting bounds the requests a chat holds for a fresh read; past
// it they are refused `rate_limited`, as a full pending queue.
const maxFreshWaiting = 1024

// freshWait is a request held until a read of the stream that started at
// or after sent has been applied.
type freshWait struct {
	msg  any
	sent time.Time
}

// freshSince reports whether the chat applied a read of its stream that
// started at or after t.
func (c *chatActor) freshSince(t time.Time) bool {
	return !c.readAt.IsZero() && !c.readAt.Before(t)
}

// awaitFresh holds msg (sent at sent) until a fresh read is applied, and
// reports whether it did; false when the chat's last read is fresh enough
// (or sent is unknown), so the caller answers now.
func (c *chatActor) awaitFresh(ctx actor.Context, msg any, sent time.Time) bool {
	if sent.IsZero() || c.freshSince(sent) {
		return false
	}
	if len(c.waitFresh) >= maxFreshWaiting {
		c.refuse(ctx, msg, ErrOverloaded)
		return true
	}
	c.waitFresh = append(c.waitFresh, freshWait{msg: msg, sent: sent})
	c.readForWaiting(ctx)
	return true
}

// readForWaiting starts a catch-up for the requests waiting, unless a read
// or an append is in flight (flush and onCaughtUp call it again then); it
// reports whether the chat is reading.
func (c *chatActor) readForWaiting(ctx actor.Context) bool {
	if len(c.waitFresh) == 0 || len(c.flights) > 0 || !c.loaded {
		return c.catching
	}
	c.catchUp(ctx)
	return true
}

// answerWaiting handles again the waiting requests the read just applied
// is fresh for; the others (sent after it started) wait for the next.
func (c *chatActor) answerWaiting(ctx actor.Context) {
	waiting := c.waitFresh
	c.waitFresh = nil
	for _, w := range waiting {
		if c.freshSince(w.sent) {
			c.handle(ctx, w.msg)
			continue
		}
		c.waitFresh = append(c.waitFresh, w)
	}
}

// failWaiting refuses the waiting requests after a failed read.
func (c *chatActor) failWaiting(ctx actor.Context) {
	for _, w := range c.waitFresh {
		c.refuse(ctx, w.msg, ErrStoreUnavailable)
	}
	c.waitFresh = nil
}

// onMemberReq answers whether the asking user is a member (a sync named
// the chat, which the node's directory does not list for them). A chat
// that does not list them answers from a fresh read; one that does not
// exist leaves memory.
func (c *chatActor) onMemberReq(ctx actor.Context, m chatMemberReq) {
	member := c.state.CheckReadable(m.User) == nil
	if !member && c.awaitFresh(ctx, m, m.Sent) {
		return
	}
	ctx.Send(m.Conn, memberPart{Probe: m.Probe, ChatID: c.id, Member: member})
	c.retireIfEmpty(ctx)
}
