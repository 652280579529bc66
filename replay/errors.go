package replay

import "errors"

var (
	// ErrUnknownChat is returned by ChatAt, DiffChat and Timeline (with
	// Query.Chat) when the log holds no stream for the chat.
	ErrUnknownChat = errors.New("unknown chat")

	// ErrUnknownConnection is returned by Timeline (with Query.Connection)
	// when the log holds no stream for the connection.
	ErrUnknownConnection = errors.New("unknown connection")

	// ErrUnknownUser is returned by UserAt when no event up to the moment
	// names the user.
	ErrUnknownUser = errors.New("unknown user")

	// ErrNotCreatedYet is returned by ChatAt when the chat's stream exists
	// but the chat was not yet created at the requested moment.
	ErrNotCreatedYet = errors.New("chat did not exist yet")

	// ErrFutureTime is returned by Query.Validate, ChatAt, UserAt and
	// DiffChat when a moment lies after the present.
	ErrFutureTime = errors.New("time is in the future")

	// ErrBadQuery is returned by Query.Validate, ChainQuery.Validate and
	// Point validation for contradictory or malformed arguments.
	ErrBadQuery = errors.New("bad query")

	// ErrEventNotFound is returned by Chain when the named event or
	// position is not in the log.
	ErrEventNotFound = errors.New("event not found")

	// ErrTooManyChats is returned by UserAt when the user belongs to more
	// chats than Config.MaxUserChats.
	ErrTooManyChats = errors.New("user belongs to too many chats")
)
