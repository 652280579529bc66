package actors

import (
	"errors"
	"fmt"

	"github.com/linkup-chat/linkup/chat"
)

// Code is an error code a client sees in an `error` frame (PROTOCOL.md
// section 5). Codes are values, not strings to parse.
type Code string

// The error codes of PROTOCOL.md.
const (
	CodeInvalidJSON      Code = "invalid_json"
	CodeInvalidPayload   Code = "invalid_payload"
	CodeUnknownType      Code = "unknown_type"
	CodeUnsupportedFrame Code = "unsupported_frame"
	CodeNotMember        Code = "not_member"
	CodeNotFound         Code = "not_found"
	CodeConflict         Code = "conflict"
	CodeRateLimited      Code = "rate_limited"
	CodeUnavailable      Code = "unavailable"
	CodeInternal         Code = "internal"
)

// Error is a coded error for a client: Code for programs, Message for a
// person. Decide functions and actors return it; the connection actor turns
// it into an `error` frame and an ErrorRecorded event.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds a coded client error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as a coded client error; errors without a code become
// CodeInternal with a generic message (the detail stays in logs and events).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "internal error"}
}

var (
	// ErrNotMember answers, without asking the chat, a request about a chat
	// the connection's user is not in (chat.ErrNotMember's words).
	ErrNotMember = fromChat(chat.ErrNotMember)
	// ErrStoreUnavailable is returned to clients when an append failed or
	// the writer's queue is full: nothing was stored.
	ErrStoreUnavailable = Errorf(CodeUnavailable, "storage unavailable: the request may not have been stored; retry later (a send retried with the same client_msg_id is never stored twice)")
	// ErrOverloaded is returned when a chat's queue of pending commands is
	// full.
	ErrOverloaded = Errorf(CodeRateLimited, "too many pending requests in this chat; slow down")
)

// errLoadsFull is a chat load or page read refused because the load pool's
// queue was full; clients see ErrStoreUnavailable.
var errLoadsFull = errors.New("actors: load queue full")
