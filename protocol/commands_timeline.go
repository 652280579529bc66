package protocol

// Version 1.1 client commands: membership, edits and deletions
// (PROTOCOL.md section 4).
type (
	AddMembers struct {
		Ref     string   `json:"ref,omitempty"`
		ChatID  string   `json:"chat_id"`
		Members []string `json:"members"`
	}
	RemoveMember struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
		User   string `json:"user"`
	}
	LeaveChat struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
	}
	EditMessage struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
		Seq    uint64 `json:"seq"`
		Body   string `json:"body"`
	}
	DeleteMessage struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
		Seq    uint64 `json:"seq"`
	}
	DeliveryReceipt struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
		Seq    uint64 `json:"seq"`
	}
)

func (c AddMembers) CommandRef() string    { return c.Ref }
func (c RemoveMember) CommandRef() string  { return c.Ref }
func (c LeaveChat) CommandRef() string     { return c.Ref }
func (c EditMessage) CommandRef() string   { return c.Ref }
func (c DeleteMessage) CommandRef() string { return c.Ref }

func (AddMembers) CommandType() string    { return "add_members" }
func (RemoveMember) CommandType() string  { return "remove_member" }
func (LeaveChat) CommandType() string     { return "leave_chat" }
func (EditMessage) CommandType() string   { return "edit_message" }
func (DeleteMessage) CommandType() string { return "delete_message" }

// CommandChat is the chat a one-chat command is about.
func (c AddMembers) CommandChat() string    { return c.ChatID }
func (c RemoveMember) CommandChat() string  { return c.ChatID }
func (c LeaveChat) CommandChat() string     { return c.ChatID }
func (c EditMessage) CommandChat() string   { return c.ChatID }
func (c DeleteMessage) CommandChat() string { return c.ChatID }

func (c DeliveryReceipt) CommandRef() string  { return c.Ref }
func (DeliveryReceipt) CommandType() string   { return "delivery_receipt" }
func (c DeliveryReceipt) CommandChat() string { return c.ChatID }

// GetPresence asks the presence of Users (at most MaxPresenceUsers).
type GetPresence struct {
	Ref   string   `json:"ref,omitempty"`
	Users []string `json:"users"`
}

func (c GetPresence) CommandRef() string { return c.Ref }
func (GetPresence) CommandType() string  { return "get_presence" }
