package chat

import "fmt"

// Code is the kind of a refusal. The values are the client-facing error
// codes of PROTOCOL.md section 5, so a shell passes them through unchanged.
type Code string

// The codes Decide refuses commands with.
const (
	CodeInvalidPayload Code = "invalid_payload"
	CodeNotFound       Code = "not_found"
	CodeNotMember      Code = "not_member"
	CodeConflict       Code = "conflict"
	CodeForbidden      Code = "forbidden"
)

// Error is a refused command: Code for programs, Message for a person.
// Decide puts it in Reply.Err; State.CheckReadable returns it.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

var (
	// ErrChatExists answers a Create for a chat that exists (or whose
	// creation is earlier in the same batch).
	ErrChatExists = errorf(CodeConflict, "chat already exists")
	// ErrChatNotFound answers any other command for a chat not created.
	ErrChatNotFound = errorf(CodeNotFound, "chat not found")
	// ErrNotMember answers a command by a user who is not a member.
	ErrNotMember = errorf(CodeNotMember, "not a member of this chat")
	// ErrNotAMessage answers an edit or a deletion whose seq is not a
	// message of the chat.
	ErrNotAMessage = errorf(CodeNotFound, "seq is not a message of this chat")
	// ErrDeleted answers an edit of a deleted message.
	ErrDeleted = errorf(CodeConflict, "the message was deleted")
	// ErrNotSender answers an edit by someone other than the sender.
	ErrNotSender = errorf(CodeForbidden, "only the sender may edit a message")
	// ErrNotSenderOrCreator answers a deletion by someone who is neither
	// the sender nor the chat's creator.
	ErrNotSenderOrCreator = errorf(CodeForbidden, "only the sender or the chat's creator may delete a message")
	// ErrNotCreator answers the removal of someone else by a member who is
	// not the chat's creator.
	ErrNotCreator = errorf(CodeForbidden, "only the chat's creator may remove another member")
)
