package actors

import (
	"time"

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

// rateLimiter holds one connection's token buckets. frames is used by
// every command (an idle connection's pings need nothing else); the
// others are made together on the first command that needs one. A bucket
// is 16 bytes where a rate.Limiter is 80: a connection that has sent a
// frame costs 32 bytes of limiter instead of 128 (issue #17).
type rateLimiter struct {
	limits *Limits // the node's, with its defaults
	frames bucket
	more   *moreBuckets
}

// moreBuckets are the buckets of particular commands.
type moreBuckets struct{ messages, typing, chats bucket }

// bucket is a token bucket with rate.Limiter's arithmetic (AllowN(at, 1)):
// it starts full, refills at rate tokens per second up to burst, and a
// token is taken only when a whole one is there. The zero bucket is full.
// Not safe for concurrent use (its connection actor's alone).
type bucket struct {
	spent float64       // tokens missing from burst at last
	last  time.Duration // when spent was counted, on bucketEpoch's clock
}

// bucketEpoch is the zero of the buckets' clock (monotonic, as
// rate.Limiter's time.Sub).
var bucketEpoch = time.Now()

// take takes a token at at if one is there.
func (b *bucket) take(r float64, burst int, at time.Time) bool {
	if now := at.Sub(bucketEpoch); now > b.last {
		b.spent = max(0, b.spent-(now-b.last).Seconds()*r)
		b.last = now
	}
	if float64(burst)-b.spent < 1 {
		return false
	}
	b.spent++
	return true
}

func newRateLimiter(l *Limits) *rateLimiter { return &rateLimiter{limits: l} }

// others returns the particular buckets, made on first use.
func (r *rateLimiter) others() *moreBuckets {
	if r.more == nil {
		r.more = &moreBuckets{}
	}
	return r.more
}

// allow takes a token for cmd or returns the rate_limited error.
func (r *rateLimiter) allow(cmd protocol.Command, at time.Time) *protocol.Error {
	l := r.limits
	if !r.frames.take(l.FramesPerSecond, int(2*l.FramesPerSecond), at) {
		return protocol.Errorf(protocol.CodeRateLimited, "too many frames per second; slow down")
	}
	switch cmd.(type) {
	case protocol.SendMessage:
		if !r.others().messages.take(l.MessagesPerSecond, int(2*l.MessagesPerSecond), at) {
			return protocol.Errorf(protocol.CodeRateLimited, "too many messages per second; slow down")
		}
	case protocol.AddMembers, protocol.RemoveMember, protocol.LeaveChat, protocol.EditMessage, protocol.DeleteMessage:
		if !r.others().messages.take(l.MessagesPerSecond, int(2*l.MessagesPerSecond), at) {
			return protocol.Errorf(protocol.CodeRateLimited, "too many timeline changes per second; slow down")
		}
	case protocol.Typing:
		if !r.others().typing.take(l.TypingPerSecond, int(2*l.TypingPerSecond), at) {
			return protocol.Errorf(protocol.CodeRateLimited, "too many typing events per second; slow down")
		}
	case protocol.CreateChat:
		if !r.others().chats.take(l.ChatsPerSecond, max(10, int(2*l.ChatsPerSecond)), at) {
			return errChatRate
		}
	}
	return nil
}
