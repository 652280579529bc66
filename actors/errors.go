package actors

import (
	"errors"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/protocol"
)

var (
	// ErrNotMember answers, without asking the chat, a request about a chat
	// the connection's user is not in (chat.ErrNotMember's words).
	ErrNotMember = fromChat(chat.ErrNotMember)
	// ErrStoreUnavailable is returned to clients when an append failed or
	// the writer's queue is full: nothing was stored.
	ErrStoreUnavailable = protocol.Errorf(protocol.CodeUnavailable, "storage unavailable: the request may not have been stored; retry later (a send retried with the same client_msg_id is never stored twice)")
	// ErrOverloaded is returned when a chat's queue of pending commands is
	// full.
	ErrOverloaded = protocol.Errorf(protocol.CodeRateLimited, "too many pending requests in this chat; slow down")
)

// errLoadsFull is a chat load or page read refused because the load pool's
// queue was full; clients see ErrStoreUnavailable.
var errLoadsFull = errors.New("actors: load queue full")
