package transport

import (
	"encoding/json"

	"github.com/linkup-chat/linkup/actors"
)

type decoder func(frame []byte, fields map[string]json.RawMessage) (actors.Command, *actors.Error)

// decoders maps each client message type to its decoder (PROTOCOL.md
// section 4).
var decoders = map[string]decoder{
	"ping":                  decodeAs[actors.Ping](),
	"create_chat":           decodeCreateChat,
	"send_message":          decodeAs[actors.SendMessage]("chat_id", "client_msg_id", "body"),
	"typing":                decodeAs[actors.Typing]("chat_id", "is_typing"),
	"read_receipt":          decodeAs[actors.ReadReceipt]("chat_id", "seq"),
	"bulk_read_receipt":     decodeBulk,
	"mark_chat_read":        decodeAs[actors.MarkChatRead]("chat_id"),
	"get_connection_status": decodeAs[actors.GetConnectionStatus](),
	"list_chats":            decodeAs[actors.ListChats](),
	"get_history":           decodeHistory,
	"sync_request":          decodeSync,
	"force_reconnect":       decodeAs[actors.ForceReconnectRequest](),
}

func decodeAs[T actors.Command](required ...string) decoder {
	return func(frame []byte, fields map[string]json.RawMessage) (actors.Command, *actors.Error) {
		return into[T](frame, fields, required...)
	}
}

func decodeCreateChat(frame []byte, fields map[string]json.RawMessage) (actors.Command, *actors.Error) {
	cmd, err := into[actors.CreateChat](frame, fields)
	if err != nil {
		return nil, err
	}
	if c := cmd.(actors.CreateChat); len(c.Members) > actors.MaxMembers {
		return nil, actors.Errorf(actors.CodeInvalidPayload, "members: at most %d per chat", actors.MaxMembers)
	}
	return cmd, nil
}

func decodeHistory(frame []byte, fields map[string]json.RawMessage) (actors.Command, *actors.Error) {
	cmd, err := into[actors.GetHistory](frame, fields, "chat_id")
	if err != nil {
		return nil, err
	}
	if cmd.(actors.GetHistory).Limit < 0 {
		return nil, actors.Errorf(actors.CodeInvalidPayload, "limit must not be negative")
	}
	return cmd, nil
}

func decodeSync(frame []byte, fields map[string]json.RawMessage) (actors.Command, *actors.Error) {
	cmd, err := into[actors.SyncRequest](frame, fields, "positions")
	if err != nil {
		return nil, err
	}
	s := cmd.(actors.SyncRequest)
	switch {
	case s.Limit < 0:
		return nil, actors.Errorf(actors.CodeInvalidPayload, "limit must not be negative")
	case len(s.Positions) > actors.MaxSyncChats:
		return nil, actors.Errorf(actors.CodeInvalidPayload, "positions: at most %d chats", actors.MaxSyncChats)
	}
	return cmd, nil
}

// decodeBulk decodes bulk_read_receipt item by item: one bad item gets its
// own error and does not spoil the others.
func decodeBulk(_ []byte, fields map[string]json.RawMessage) (actors.Command, *actors.Error) {
	ref, _ := optionalString(fields, "ref")
	if err := require(fields, "receipts"); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if json.Unmarshal(fields["receipts"], &raws) != nil {
		return nil, actors.Errorf(actors.CodeInvalidPayload, "receipts must be a list")
	}
	if len(raws) > actors.MaxBulkReceipts {
		return nil, actors.Errorf(actors.CodeInvalidPayload, "receipts: at most %d items", actors.MaxBulkReceipts)
	}
	items := make([]actors.ReceiptItem, len(raws))
	for i, raw := range raws {
		items[i] = decodeReceipt(raw)
	}
	return actors.BulkReadReceipt{Ref: ref, Receipts: items}, nil
}

func decodeReceipt(raw json.RawMessage) actors.ReceiptItem {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return actors.ReceiptItem{Err: actors.Errorf(actors.CodeInvalidPayload, "each receipt must be an object")}
	}
	chatID, _ := optionalString(fields, "chat_id")
	cmd, err := into[actors.ReadReceipt](raw, fields, "chat_id", "seq")
	if err != nil {
		return actors.ReceiptItem{ChatID: chatID, Err: err}
	}
	r := cmd.(actors.ReadReceipt)
	return actors.ReceiptItem{ChatID: r.ChatID, Seq: r.Seq}
}
