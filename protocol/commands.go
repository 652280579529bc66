package protocol

// Command is a client command: Decode turns a text frame into one. Ref is
// echoed on every direct reply.
type Command interface {
	CommandRef() string
	// CommandType is the frame's `type`.
	CommandType() string
}

// Client commands, one per row of PROTOCOL.md section 4.
type (
	Ping struct {
		Ref string `json:"ref,omitempty"`
	}
	CreateChat struct {
		Ref     string   `json:"ref,omitempty"`
		ChatID  string   `json:"chat_id"`
		Title   string   `json:"title"`
		Members []string `json:"members"`
	}
	SendMessage struct {
		Ref         string `json:"ref,omitempty"`
		ChatID      string `json:"chat_id"`
		ClientMsgID string `json:"client_msg_id"`
		Body        string `json:"body"`
	}
	Typing struct {
		Ref      string `json:"ref,omitempty"`
		ChatID   string `json:"chat_id"`
		IsTyping bool   `json:"is_typing"`
	}
	ReadReceipt struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
		Seq    uint64 `json:"seq"`
	}
	// BulkReadReceipt carries receipts that Decode already checked item
	// by item; an item that failed its check has Err set and is answered
	// with that error without touching the chat.
	BulkReadReceipt struct {
		Ref      string        `json:"ref,omitempty"`
		Receipts []ReceiptItem `json:"receipts"`
	}
	MarkChatRead struct {
		Ref    string `json:"ref,omitempty"`
		ChatID string `json:"chat_id"`
	}
	GetConnectionStatus struct {
		Ref string `json:"ref,omitempty"`
	}
	ListChats struct {
		Ref string `json:"ref,omitempty"`
	}
	GetHistory struct {
		Ref       string `json:"ref,omitempty"`
		ChatID    string `json:"chat_id"`
		BeforeSeq uint64 `json:"before_seq"`
		Limit     int    `json:"limit"`
	}
	SyncRequest struct {
		Ref       string            `json:"ref,omitempty"`
		Positions map[string]uint64 `json:"positions"`
		Limit     int               `json:"limit"`
	}
	ForceReconnectRequest struct {
		Ref string `json:"ref,omitempty"`
	}
	// BadFrame is a frame that could not be decoded into a command, with
	// the ref and type Decode could read: the server answers it with Err
	// (echoing Ref) and records it.
	BadFrame struct {
		Ref       string
		FrameType string
		Err       *Error
	}
)

// ReceiptItem is one entry of a bulk_read_receipt.
type ReceiptItem struct {
	ChatID string `json:"chat_id"`
	Seq    uint64 `json:"seq"`
	Err    *Error `json:"-"`
}

func (c Ping) CommandRef() string                  { return c.Ref }
func (c CreateChat) CommandRef() string            { return c.Ref }
func (c SendMessage) CommandRef() string           { return c.Ref }
func (c Typing) CommandRef() string                { return c.Ref }
func (c ReadReceipt) CommandRef() string           { return c.Ref }
func (c BulkReadReceipt) CommandRef() string       { return c.Ref }
func (c MarkChatRead) CommandRef() string          { return c.Ref }
func (c GetConnectionStatus) CommandRef() string   { return c.Ref }
func (c ListChats) CommandRef() string             { return c.Ref }
func (c GetHistory) CommandRef() string            { return c.Ref }
func (c SyncRequest) CommandRef() string           { return c.Ref }
func (c ForceReconnectRequest) CommandRef() string { return c.Ref }
func (c BadFrame) CommandRef() string              { return c.Ref }

func (Ping) CommandType() string                  { return "ping" }
func (CreateChat) CommandType() string            { return "create_chat" }
func (SendMessage) CommandType() string           { return "send_message" }
func (Typing) CommandType() string                { return "typing" }
func (ReadReceipt) CommandType() string           { return "read_receipt" }
func (BulkReadReceipt) CommandType() string       { return "bulk_read_receipt" }
func (MarkChatRead) CommandType() string          { return "mark_chat_read" }
func (GetConnectionStatus) CommandType() string   { return "get_connection_status" }
func (ListChats) CommandType() string             { return "list_chats" }
func (GetHistory) CommandType() string            { return "get_history" }
func (SyncRequest) CommandType() string           { return "sync_request" }
func (ForceReconnectRequest) CommandType() string { return "force_reconnect" }
func (c BadFrame) CommandType() string            { return c.FrameType }
