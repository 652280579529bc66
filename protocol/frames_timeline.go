package protocol

import "time"

// Version 1.1 frames: the timeline items other than messages, a message as
// history and sync show it, and the acks of the membership and timeline
// commands (PROTOCOL.md sections 4 and 5).
type (
	// ShownMessageFrame is a message as history and sync show it: the
	// latest body and edited_at once edited, deleted and no body once
	// deleted.
	ShownMessageFrame struct {
		ChatID      string     `json:"chat_id"`
		Seq         uint64     `json:"seq"`
		MessageID   string     `json:"message_id"`
		Sender      string     `json:"sender"`
		Body        string     `json:"body,omitempty"`
		SentAt      time.Time  `json:"sent_at"`
		ClientMsgID string     `json:"client_msg_id"`
		EditedAt    *time.Time `json:"edited_at,omitempty"`
		Deleted     bool       `json:"deleted,omitempty"`
	}
	MembersChangedFrame struct {
		ChatID  string   `json:"chat_id"`
		Seq     uint64   `json:"seq"`
		Added   []string `json:"added"`
		Removed []string `json:"removed"`
		By      string   `json:"by"`
		Members []string `json:"members"`
	}
	MessageEditedFrame struct {
		ChatID    string    `json:"chat_id"`
		Seq       uint64    `json:"seq"`
		TargetSeq uint64    `json:"target_seq"`
		Body      string    `json:"body,omitempty"`
		EditedAt  time.Time `json:"edited_at"`
		By        string    `json:"by"`
		Deleted   bool      `json:"deleted,omitempty"`
	}
	MessageDeletedFrame struct {
		ChatID    string `json:"chat_id"`
		Seq       uint64 `json:"seq"`
		TargetSeq uint64 `json:"target_seq"`
		By        string `json:"by"`
	}
	// AckMembers answers add_members, remove_member and leave_chat with
	// the whole member list after the change.
	AckMembers struct {
		Ref     string   `json:"ref,omitempty"`
		ChatID  string   `json:"chat_id"`
		Members []string `json:"members"`
	}
	// DeliveredFrame tells members how far a user's devices have received
	// the chat (coalesced: at most one per user and chat a second).
	DeliveredFrame struct {
		ChatID       string `json:"chat_id"`
		User         string `json:"user"`
		DeliveredSeq uint64 `json:"delivered_seq"`
	}
	// AckDelivery answers delivery_receipt with the user's delivered
	// pointer.
	AckDelivery struct {
		Ref          string `json:"ref,omitempty"`
		ChatID       string `json:"chat_id"`
		DeliveredSeq uint64 `json:"delivered_seq"`
	}
	// PresenceFrame is a user's presence: sent on its own (`presence`) and
	// as an item of presence_state.
	PresenceFrame struct {
		User     string     `json:"user"`
		Status   string     `json:"status"`
		LastSeen *time.Time `json:"last_seen"`
	}
	PresenceStateFrame struct {
		Ref   string          `json:"ref,omitempty"`
		Users []PresenceFrame `json:"users"`
	}
	// AckTimelineItem answers edit_message and delete_message with the seq
	// of the item that made it so.
	AckTimelineItem struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
		Seq    uint64 `json:"seq"`
	}
)

// Presence statuses (PresenceFrame.Status): unknown is what a user
// sharing no chat with the asker is, so nothing leaks about strangers.
const (
	StatusOnline  = "online"
	StatusOffline = "offline"
	StatusUnknown = "unknown"
)

func (ShownMessageFrame) FrameType() string   { return "message" }
func (MembersChangedFrame) FrameType() string { return "members_changed" }
func (MessageEditedFrame) FrameType() string  { return "message_edited" }
func (MessageDeletedFrame) FrameType() string { return "message_deleted" }
func (AckMembers) FrameType() string          { return "ack" }
func (AckTimelineItem) FrameType() string     { return "ack" }
func (DeliveredFrame) FrameType() string      { return "delivered" }
func (AckDelivery) FrameType() string         { return "ack" }
func (PresenceFrame) FrameType() string       { return "presence" }
func (PresenceStateFrame) FrameType() string  { return "presence_state" }
