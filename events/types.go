package events

import "time"

// Event type names, as stored in RecordedEvent.Type (PROTOCOL.md section 6).
const (
	TypeConnectionOpened     = "ConnectionOpened"
	TypeConnectionClosed     = "ConnectionClosed"
	TypeChatCreated          = "ChatCreated"
	TypeMessagePosted        = "MessagePosted"
	TypeChatRead             = "ChatRead"
	TypeErrorRecorded        = "ErrorRecorded"
	TypeForceReconnectIssued = "ForceReconnectIssued"
	TypeUserRevoked          = "UserRevoked"
	TypeMembersAdded         = "MembersAdded"
	TypeMemberRemoved        = "MemberRemoved"
	TypeMessageEdited        = "MessageEdited"
	TypeMessageDeleted       = "MessageDeleted"
	TypeMessagesDelivered    = "MessagesDelivered"
)

// Event is implemented by every domain event type of this package.
type Event interface {
	// EventType returns the registered type name.
	EventType() string
}

// ConnectionOpened: a WebSocket connection was authenticated and accepted.
type ConnectionOpened struct {
	ConnectionID string    `json:"connection_id"`
	UserID       string    `json:"user_id"`
	Node         string    `json:"node"`
	RemoteAddr   string    `json:"remote_addr,omitempty"`
	UserAgent    string    `json:"user_agent,omitempty"`
	Protocol     string    `json:"protocol"`
	At           time.Time `json:"at"`
}

// ConnectionClosed: a connection ended, for Reason, after MessagesIn frames
// from the client and MessagesOut frames to it.
type ConnectionClosed struct {
	ConnectionID string    `json:"connection_id"`
	UserID       string    `json:"user_id"`
	Reason       string    `json:"reason"`
	MessagesIn   uint64    `json:"messages_in"`
	MessagesOut  uint64    `json:"messages_out"`
	At           time.Time `json:"at"`
}

// ChatCreated: the first event of every chat stream.
type ChatCreated struct {
	ChatID    string    `json:"chat_id"`
	Title     string    `json:"title"`
	Members   []string  `json:"members"`
	CreatedBy string    `json:"created_by"`
	At        time.Time `json:"at"`
}

// MessagePosted: a message stored in a chat with its gap-free Seq.
type MessagePosted struct {
	ChatID      string    `json:"chat_id"`
	Seq         uint64    `json:"seq"`
	MessageID   string    `json:"message_id"`
	Sender      string    `json:"sender"`
	Body        string    `json:"body"`
	ClientMsgID string    `json:"client_msg_id"`
	SentAt      time.Time `json:"sent_at"`
}

// ChatRead: a user's read pointer in a chat moved forward to LastReadSeq.
type ChatRead struct {
	ChatID      string    `json:"chat_id"`
	User        string    `json:"user"`
	LastReadSeq uint64    `json:"last_read_seq"`
	At          time.Time `json:"at"`
}

// MembersAdded (v1.1): By added Users to a chat, as the timeline item
// Seq. Members is the whole member list after the change.
type MembersAdded struct {
	ChatID  string    `json:"chat_id"`
	Seq     uint64    `json:"seq"`
	Users   []string  `json:"users"`
	Members []string  `json:"members"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// MemberRemoved (v1.1): By removed User from a chat (By == User: the user
// left), as the timeline item Seq. Members is the list after the change.
type MemberRemoved struct {
	ChatID  string    `json:"chat_id"`
	Seq     uint64    `json:"seq"`
	User    string    `json:"user"`
	Members []string  `json:"members"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// MessageEdited (v1.1): By (the sender) replaced the body of the message
// TargetSeq, as the timeline item Seq.
type MessageEdited struct {
	ChatID    string    `json:"chat_id"`
	Seq       uint64    `json:"seq"`
	TargetSeq uint64    `json:"target_seq"`
	Body      string    `json:"body"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// MessageDeleted (v1.1): By deleted the message TargetSeq, as the timeline
// item Seq. It keeps who and when, never the text; the chat, history, sync
// and the read model show the message as deleted from then on (the
// MessagePosted and any MessageEdited before it stay in the append-only
// log, see docs/REPLAY.md).
type MessageDeleted struct {
	ChatID    string    `json:"chat_id"`
	Seq       uint64    `json:"seq"`
	TargetSeq uint64    `json:"target_seq"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// MessagesDelivered (v1.1): a device of User (connection ConnectionID, on
// Node) confirmed it has received every timeline item of the chat up to
// DeliveredSeq. Coalesced: at most one per user and chat a second, and
// only when the user's delivered pointer moves (the first device to
// confirm a seq is the one recorded).
type MessagesDelivered struct {
	ChatID       string    `json:"chat_id"`
	User         string    `json:"user"`
	ConnectionID string    `json:"connection_id"`
	Node         string    `json:"node"`
	DeliveredSeq uint64    `json:"delivered_seq"`
	At           time.Time `json:"at"`
}

// Severity levels of ErrorRecorded.
const (
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// ErrorRecorded: something went wrong; User and ConnectionID are empty when
// unknown. Context holds whatever helps an analyst (the offending frame's
// type, the ref, the handshake header names, ...). Secrets never go here.
type ErrorRecorded struct {
	ErrorType    string         `json:"error_type"`
	Message      string         `json:"message"`
	Severity     string         `json:"severity"`
	User         string         `json:"user,omitempty"`
	ConnectionID string         `json:"connection_id,omitempty"`
	Context      map[string]any `json:"context"`
	At           time.Time      `json:"at"`
}

// ForceReconnectIssued: the server told a connection to reconnect, then
// closed it.
type ForceReconnectIssued struct {
	ConnectionID string    `json:"connection_id"`
	UserID       string    `json:"user_id"`
	Reason       string    `json:"reason"`
	RetryAfterMs int       `json:"retry_after_ms"`
	At           time.Time `json:"at"`
}

// UserRevoked: every token of User issued at or before At is refused from
// now on, and the user's open connections were closed.
type UserRevoked struct {
	User      string    `json:"user"`
	Reason    string    `json:"reason"`
	RevokedBy string    `json:"revoked_by"`
	At        time.Time `json:"at"`
}

func (ConnectionOpened) EventType() string     { return TypeConnectionOpened }
func (ConnectionClosed) EventType() string     { return TypeConnectionClosed }
func (ChatCreated) EventType() string          { return TypeChatCreated }
func (MessagePosted) EventType() string        { return TypeMessagePosted }
func (ChatRead) EventType() string             { return TypeChatRead }
func (ErrorRecorded) EventType() string        { return TypeErrorRecorded }
func (ForceReconnectIssued) EventType() string { return TypeForceReconnectIssued }
func (UserRevoked) EventType() string          { return TypeUserRevoked }
func (MembersAdded) EventType() string         { return TypeMembersAdded }
func (MemberRemoved) EventType() string        { return TypeMemberRemoved }
func (MessageEdited) EventType() string        { return TypeMessageEdited }
func (MessageDeleted) EventType() string       { return TypeMessageDeleted }
func (MessagesDelivered) EventType() string    { return TypeMessagesDelivered }
