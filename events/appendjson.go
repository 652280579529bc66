package events

import (
	"time"

	"github.com/linkup-chat/linkup/internal/jsonenc"
)

// appendJSON appends ev's JSON object to a buffer of about the right size
// without encoding/json, for the event types a chat appends at every
// message, read or delivery and a connection at its start and end (issue
// #17: reflection, and the validation encoding/json makes of time.Time's
// MarshalJSON output, cost more than the rest of an append's encoding).
// The output is byte for byte encoding/json's
// (TestAppendJSONMatchesEncodingJSON). It reports false for other types,
// pointers among them, and for a value encoding/json refuses (a time it
// cannot write): the caller then uses encoding/json, for the JSON or the
// error.
func appendJSON(ev Event) ([]byte, bool) {
	switch e := ev.(type) {
	case MessagePosted:
		return e.appendJSON(make([]byte, 0, e.jsonSize()))
	case ChatRead:
		return e.appendJSON(make([]byte, 0, e.jsonSize()))
	case MessagesDelivered:
		return e.appendJSON(make([]byte, 0, e.jsonSize()))
	case MessageEdited:
		return e.appendJSON(make([]byte, 0, e.jsonSize()))
	case MessageDeleted:
		return e.appendJSON(make([]byte, 0, e.jsonSize()))
	case ConnectionOpened:
		return e.appendJSON(make([]byte, 0, e.jsonSize()))
	case ConnectionClosed:
		return e.appendJSON(make([]byte, 0, e.jsonSize()))
	}
	return nil, false
}

// timeSize is the longest time encoding (quoted RFC 3339 with nanoseconds
// and a zone offset), plus the keys' and separators' slack.
const timeSize = 64

func (e MessagePosted) jsonSize() int {
	return 112 + timeSize + len(e.ChatID) + len(e.MessageID) + len(e.Sender) + len(e.Body) + len(e.ClientMsgID)
}

func (e MessagePosted) appendJSON(b []byte) ([]byte, bool) {
	b = jsonenc.String(append(b, `{"chat_id":`...), e.ChatID)
	b = jsonenc.Uint(append(b, `,"seq":`...), e.Seq)
	b = jsonenc.String(append(b, `,"message_id":`...), e.MessageID)
	b = jsonenc.String(append(b, `,"sender":`...), e.Sender)
	b = jsonenc.String(append(b, `,"body":`...), e.Body)
	b = jsonenc.String(append(b, `,"client_msg_id":`...), e.ClientMsgID)
	return closeWithTime(b, `,"sent_at":`, e.SentAt)
}

func (e ChatRead) jsonSize() int { return 64 + timeSize + len(e.ChatID) + len(e.User) }

func (e ChatRead) appendJSON(b []byte) ([]byte, bool) {
	b = jsonenc.String(append(b, `{"chat_id":`...), e.ChatID)
	b = jsonenc.String(append(b, `,"user":`...), e.User)
	b = jsonenc.Uint(append(b, `,"last_read_seq":`...), e.LastReadSeq)
	return closeWithTime(b, `,"at":`, e.At)
}

func (e MessagesDelivered) jsonSize() int {
	return 112 + timeSize + len(e.ChatID) + len(e.User) + len(e.ConnectionID) + len(e.Node)
}

func (e MessagesDelivered) appendJSON(b []byte) ([]byte, bool) {
	b = jsonenc.String(append(b, `{"chat_id":`...), e.ChatID)
	b = jsonenc.String(append(b, `,"user":`...), e.User)
	b = jsonenc.String(append(b, `,"connection_id":`...), e.ConnectionID)
	b = jsonenc.String(append(b, `,"node":`...), e.Node)
	b = jsonenc.Uint(append(b, `,"delivered_seq":`...), e.DeliveredSeq)
	return closeWithTime(b, `,"at":`, e.At)
}

func (e MessageEdited) jsonSize() int { return 96 + timeSize + len(e.ChatID) + len(e.Body) + len(e.By) }

func (e MessageEdited) appendJSON(b []byte) ([]byte, bool) {
	b = jsonenc.String(append(b, `{"chat_id":`...), e.ChatID)
	b = jsonenc.Uint(append(b, `,"seq":`...), e.Seq)
	b = jsonenc.Uint(append(b, `,"target_seq":`...), e.TargetSeq)
	b = jsonenc.String(append(b, `,"body":`...), e.Body)
	b = jsonenc.String(append(b, `,"by":`...), e.By)
	return closeWithTime(b, `,"at":`, e.At)
}

func (e MessageDeleted) jsonSize() int { return 96 + timeSize + len(e.ChatID) + len(e.By) }

func (e MessageDeleted) appendJSON(b []byte) ([]byte, bool) {
	b = jsonenc.String(append(b, `{"chat_id":`...), e.ChatID)
	b = jsonenc.Uint(append(b, `,"seq":`...), e.Seq)
	b = jsonenc.Uint(append(b, `,"target_seq":`...), e.TargetSeq)
	b = jsonenc.String(append(b, `,"by":`...), e.By)
	return closeWithTime(b, `,"at":`, e.At)
}

func (e ConnectionOpened) jsonSize() int {
	return 112 + timeSize + len(e.ConnectionID) + len(e.UserID) + len(e.Node) + len(e.RemoteAddr) + len(e.UserAgent) + len(e.Protocol)
}

func (e ConnectionOpened) appendJSON(b []byte) ([]byte, bool) {
	b = jsonenc.String(append(b, `{"connection_id":`...), e.ConnectionID)
	b = jsonenc.String(append(b, `,"user_id":`...), e.UserID)
	b = jsonenc.String(append(b, `,"node":`...), e.Node)
	if e.RemoteAddr != "" {
		b = jsonenc.String(append(b, `,"remote_addr":`...), e.RemoteAddr)
	}
	if e.UserAgent != "" {
		b = jsonenc.String(append(b, `,"user_agent":`...), e.UserAgent)
	}
	b = jsonenc.String(append(b, `,"protocol":`...), e.Protocol)
	return closeWithTime(b, `,"at":`, e.At)
}

func (e ConnectionClosed) jsonSize() int {
	return 112 + timeSize + len(e.ConnectionID) + len(e.UserID) + len(e.Reason)
}

func (e ConnectionClosed) appendJSON(b []byte) ([]byte, bool) {
	b = jsonenc.String(append(b, `{"connection_id":`...), e.ConnectionID)
	b = jsonenc.String(append(b, `,"user_id":`...), e.UserID)
	b = jsonenc.String(append(b, `,"reason":`...), e.Reason)
	b = jsonenc.Uint(append(b, `,"messages_in":`...), e.MessagesIn)
	b = jsonenc.Uint(append(b, `,"messages_out":`...), e.MessagesOut)
	return closeWithTime(b, `,"at":`, e.At)
}

// closeWithTime appends the last field, a time, and closes the object.
func closeWithTime(b []byte, key string, t time.Time) ([]byte, bool) {
	b, ok := jsonenc.Time(append(b, key...), t)
	return append(b, '}'), ok
}
