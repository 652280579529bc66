package protocol

import (
	"encoding/json"
	"time"
)

// Frame is a server-to-client frame (PROTOCOL.md section 5). The server
// builds typed frames; Encode turns them into bytes (the server does so once
// per chat for fan-out).
type Frame interface {
	// FrameType is the frame's `type`.
	FrameType() string
}

// Server frames.
type (
	Pong struct {
		Ref string `json:"ref,omitempty"`
	}
	AckCreateChat struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
	}
	AckSendMessage struct {
		Ref         string    `json:"ref,omitempty"`
		ChatID      string    `json:"chat_id"`
		ClientMsgID string    `json:"client_msg_id"`
		MessageID   string    `json:"message_id"`
		Seq         uint64    `json:"seq"`
		SentAt      time.Time `json:"sent_at"`
	}
	AckRead struct {
		Ref         string `json:"ref,omitempty"`
		ChatID      string `json:"chat_id"`
		LastReadSeq uint64 `json:"last_read_seq"`
	}
	AckBulkRead struct {
		Ref     string       `json:"ref,omitempty"`
		Results []BulkResult `json:"results"`
	}
	// ErrorFrame carries ChatID when the error is about one chat, and
	// ChatIDs when one request named several chats refused the same way.
	ErrorFrame struct {
		Ref     string   `json:"ref,omitempty"`
		Code    Code     `json:"code"`
		Message string   `json:"message"`
		ChatID  string   `json:"chat_id,omitempty"`
		ChatIDs []string `json:"chat_ids,omitempty"`
	}
	MessageFrame struct {
		ChatID      string    `json:"chat_id"`
		Seq         uint64    `json:"seq"`
		MessageID   string    `json:"message_id"`
		Sender      string    `json:"sender"`
		Body        string    `json:"body"`
		SentAt      time.Time `json:"sent_at"`
		ClientMsgID string    `json:"client_msg_id"`
	}
	ChatCreatedFrame struct {
		ChatID    string   `json:"chat_id"`
		Title     string   `json:"title"`
		Members   []string `json:"members"`
		CreatedBy string   `json:"created_by"`
	}
	TypingFrame struct {
		ChatID   string `json:"chat_id"`
		User     string `json:"user"`
		IsTyping bool   `json:"is_typing"`
	}
	ReadFrame struct {
		ChatID      string `json:"chat_id"`
		User        string `json:"user"`
		LastReadSeq uint64 `json:"last_read_seq"`
	}
	ConnectionStatusFrame struct {
		Ref          string    `json:"ref,omitempty"`
		ConnectionID string    `json:"connection_id"`
		UserID       string    `json:"user_id"`
		Node         string    `json:"node"`
		ConnectedAt  time.Time `json:"connected_at"`
		ServerTime   time.Time `json:"server_time"`
		Protocol     string    `json:"protocol"`
		Chats        []string  `json:"chats"`
		MessagesIn   uint64    `json:"messages_in"`
		MessagesOut  uint64    `json:"messages_out"`
	}
	ChatsFrame struct {
		Ref   string        `json:"ref,omitempty"`
		Chats []ChatSummary `json:"chats"`
	}
	HistoryFrame struct {
		Ref      string            `json:"ref,omitempty"`
		ChatID   string            `json:"chat_id"`
		Messages []json.RawMessage `json:"messages"` // timeline items, each its frame (frames_timeline.go)
	}
	SyncCompleteFrame struct {
		Ref   string              `json:"ref,omitempty"`
		Chats map[string]SyncChat `json:"chats"`
	}
	ForceReconnectFrame struct {
		Ref          string `json:"ref,omitempty"`
		Reason       string `json:"reason"`
		RetryAfterMs int    `json:"retry_after_ms"`
	}
)

// BulkResult is one item of a bulk_read_receipt ack: LastReadSeq or Error.
type BulkResult struct {
	ChatID      string      `json:"chat_id"`
	LastReadSeq *uint64     `json:"last_read_seq,omitempty"`
	Error       *ErrorFrame `json:"error,omitempty"`
}

// ChatSummary is one chat of list_chats.
type ChatSummary struct {
	ChatID      string   `json:"chat_id"`
	Title       string   `json:"title"`
	Members     []string `json:"members"`
	LatestSeq   uint64   `json:"latest_seq"`
	LastReadSeq uint64   `json:"last_read_seq"`
	Unread      uint64   `json:"unread"`
}

// SyncChat is one chat of sync_complete.
type SyncChat struct {
	LatestSeq   uint64 `json:"latest_seq"`
	LastReadSeq uint64 `json:"last_read_seq"`
	Unread      uint64 `json:"unread"`
	Truncated   bool   `json:"truncated"`
}

// Force-reconnect reasons.
const (
	ReasonShutdown      = "shutdown"
	ReasonDrain         = "drain"
	ReasonSlowConsumer  = "slow_consumer"
	ReasonClientRequest = "client_request"
	ReasonAdmin         = "admin"
)

// Protocol is the subprotocol name this server speaks.
const Protocol = "linkup.v1"

func (Pong) FrameType() string                  { return "pong" }
func (AckCreateChat) FrameType() string         { return "ack" }
func (AckSendMessage) FrameType() string        { return "ack" }
func (AckRead) FrameType() string               { return "ack" }
func (AckBulkRead) FrameType() string           { return "ack" }
func (ErrorFrame) FrameType() string            { return "error" }
func (MessageFrame) FrameType() string          { return "message" }
func (ChatCreatedFrame) FrameType() string      { return "chat_created" }
func (TypingFrame) FrameType() string           { return "typing" }
func (ReadFrame) FrameType() string             { return "read" }
func (ConnectionStatusFrame) FrameType() string { return "connection_status" }
func (ChatsFrame) FrameType() string            { return "chats" }
func (HistoryFrame) FrameType() string          { return "history" }
func (SyncCompleteFrame) FrameType() string     { return "sync_complete" }
func (ForceReconnectFrame) FrameType() string   { return "force_reconnect" }
