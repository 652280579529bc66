package actors

import (
	"time"

	"golang.org/x/time/rate"

	"github.com/linkup-chat/linkup/protocol"
)

// Limits are per-connection rate limits; a command over its limit gets
// `rate_limited` and is not handled. Zero values mean the defaults.
type Limits struct {
	// FramesPerSecond bounds every command (default 200/s, burst 400).
	FramesPerSecond float64
	// MessagesPerSecond bounds send_message (default 50/s, burst 100).
	MessagesPerSecond float64
	// TypingPerSecond bounds typing (default 5/s, burst 10).
	TypingPerSecond float64
	// SyncMessages bounds the message frames of one sync answer over all
	// its chats (default DefaultSyncLimit); the chats it cuts short are
	// `truncated` and the client syncs again. Keep it well below the
	// transport's outbound queue: a sync answer is queued at once, and one
	// bigger than the queue would make a well-behaved client look like a
	// slow consumer.
	SyncMessages int
	// ChatsPerSecond bounds create_chat per connection (default 1/s,
	// burst 10); over it: `rate_limited`.
	ChatsPerSecond float64
	// ChatsPerUser bounds the chats a user belongs to (default
	// MaxSyncChats, 1,000, so that one sync_request can name every chat of
	// a user): a create_chat that would put its creator or any member past
	// it is refused with `invalid_payload`. Checked against the node's
	// directory, so requests in flight at once may pass it by a few.
	ChatsPerUser int
}

func (l *Limits) defaults() {
	l.FramesPerSecond = orDefaultF(l.FramesPerSecond, 200)
	l.MessagesPerSecond = orDefaultF(l.MessagesPerSecond, 50)
	l.TypingPerSecond = orDefaultF(l.TypingPerSecond, 5)
	l.SyncMessages = orDefault(l.SyncMessages, protocol.DefaultSyncLimit)
	l.ChatsPerSecond = orDefaultF(l.ChatsPerSecond, 1)
	l.ChatsPerUser = orDefault(l.ChatsPerUser, protocol.MaxSyncChats)
}

func orDefaultF(v, def float64) float64 {
	if v <= 0 {
		return def
	}
	return v
}

// errChatRate is the answer to a create_chat over Limits.ChatsPerSecond.
var errChatRate = protocol.Errorf(protocol.CodeRateLimited, "too many chats created per second; slow down")

// rateLimiter holds one connection's token buckets, each made when first
// used (an idle connection pings, and needs only frames).
type rateLimiter struct {
	limits                          *Limits // the node's, with its defaults
	frames, messages, typing, chats *rate.Limiter
}

func newRateLimiter(l *Limits) *rateLimiter { return &rateLimiter{limits: l} }

// take takes a token from *b, making the bucket (rate r per second, burst
// burst) first if needed.
func take(b **rate.Limiter, r float64, burst int, at time.Time) bool {
	if *b == nil {
		*b = rate.NewLimiter(rate.Limit(r), burst)
	}
	return (*b).AllowN(at, 1)
}

// allow takes a token for cmd or returns the rate_limited error.
func (r *rateLimiter) allow(cmd protocol.Command, at time.Time) *protocol.Error {
	if !take(&r.frames, r.limits.FramesPerSecond, int(2*r.limits.FramesPerSecond), at) {
		return protocol.Errorf(protocol.CodeRateLimited, "too many frames per second; slow down")
	}
	switch cmd.(type) {
	case protocol.SendMessage:
		if !take(&r.messages, r.limits.MessagesPerSecond, int(2*r.limits.MessagesPerSecond), at) {
			return protocol.Errorf(protocol.CodeRateLimited, "too many messages per second; slow down")
		}
	case protocol.AddMembers, protocol.RemoveMember, protocol.LeaveChat, protocol.EditMessage, protocol.DeleteMessage:
		if !take(&r.messages, r.limits.MessagesPerSecond, int(2*r.limits.MessagesPerSecond), at) {
			return protocol.Errorf(protocol.CodeRateLimited, "too many timeline changes per second; slow down")
		}
	case protocol.Typing:
		if !take(&r.typing, r.limits.TypingPerSecond, int(2*r.limits.TypingPerSecond), at) {
			return protocol.Errorf(protocol.CodeRateLimited, "too many typing events per second; slow down")
		}
	case protocol.CreateChat:
		if !take(&r.chats, r.limits.ChatsPerSecond, max(10, int(2*r.limits.ChatsPerSecond)), at) {
			return errChatRate
		}
	}
	return nil
}
