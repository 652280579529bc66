package actors

import (
	"time"

	"golang.org/x/time/rate"
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
}

func (l *Limits) defaults() {
	l.FramesPerSecond = orDefaultF(l.FramesPerSecond, 200)
	l.MessagesPerSecond = orDefaultF(l.MessagesPerSecond, 50)
	l.TypingPerSecond = orDefaultF(l.TypingPerSecond, 5)
	l.SyncMessages = orDefault(l.SyncMessages, DefaultSyncLimit)
}

func orDefaultF(v, def float64) float64 {
	if v <= 0 {
		return def
	}
	return v
}

// rateLimiter holds one connection's token buckets.
type rateLimiter struct {
	frames, messages, typing *rate.Limiter
}

func newRateLimiter(l Limits) *rateLimiter {
	l.defaults()
	bucket := func(r float64) *rate.Limiter { return rate.NewLimiter(rate.Limit(r), int(2*r)) }
	return &rateLimiter{frames: bucket(l.FramesPerSecond), messages: bucket(l.MessagesPerSecond), typing: bucket(l.TypingPerSecond)}
}

// allow takes a token for cmd or returns the rate_limited error.
func (r *rateLimiter) allow(cmd Command, at time.Time) *Error {
	if !r.frames.AllowN(at, 1) {
		return Errorf(CodeRateLimited, "too many frames per second; slow down")
	}
	switch cmd.(type) {
	case SendMessage:
		if !r.messages.AllowN(at, 1) {
			return Errorf(CodeRateLimited, "too many messages per second; slow down")
		}
	case AddMembers, RemoveMember, LeaveChat, EditMessage, DeleteMessage:
		if !r.messages.AllowN(at, 1) {
			return Errorf(CodeRateLimited, "too many timeline changes per second; slow down")
		}
	case Typing:
		if !r.typing.AllowN(at, 1) {
			return Errorf(CodeRateLimited, "too many typing events per second; slow down")
		}
	}
	return nil
}
