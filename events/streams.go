package events

import "strings"

// Stream names. Each chat's events live in "chat-<id>"; each connection's
// lifecycle (opened, errors seen on it, forced reconnects, closed) in
// "connection-<id>"; errors that belong to no connection (a refused
// handshake, say) in "errors"; a user's revocations in "user-<id>".
const (
	ChatStreamPrefix       = "chat-"
	ConnectionStreamPrefix = "connection-"
	ErrorsStream           = "errors"
	UserStreamPrefix       = "user-"
)

// UserStream names the stream of user-level events (revocations) of id.
func UserStream(id string) string { return UserStreamPrefix + id }

// ChatStream names the stream of chat id.
func ChatStream(id string) string { return ChatStreamPrefix + id }

// ConnectionStream names the stream of connection id.
func ConnectionStream(id string) string { return ConnectionStreamPrefix + id }

// ErrorStream names the stream an ErrorRecorded belongs in: its
// connection's stream when known, else ErrorsStream.
func ErrorStream(connectionID string) string {
	if connectionID == "" {
		return ErrorsStream
	}
	return ConnectionStream(connectionID)
}

// ChatIDFromStream returns the chat id of a chat stream name.
func ChatIDFromStream(stream string) (string, bool) {
	return strings.CutPrefix(stream, ChatStreamPrefix)
}
