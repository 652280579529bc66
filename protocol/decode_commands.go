package protocol

import (
	"encoding/json"
)

type decoder func(frame []byte, fields map[string]json.RawMessage) (Command, *Error)

// decoders maps each client message type to its decoder (PROTOCOL.md
// section 4).
var decoders = map[string]decoder{
	"ping":                  decodeAs[Ping](),
	"create_chat":           decodeCreateChat,
	"send_message":          decodeAs[SendMessage]("chat_id", "client_msg_id", "body"),
	"typing":                decodeAs[Typing]("chat_id", "is_typing"),
	"read_receipt":          decodeAs[ReadReceipt]("chat_id", "seq"),
	"bulk_read_receipt":     decodeBulk,
	"mark_chat_read":        decodeAs[MarkChatRead]("chat_id"),
	"get_connection_status": decodeAs[GetConnectionStatus](),
	"list_chats":            decodeAs[ListChats](),
	"get_history":           decodeHistory,
	"sync_request":          decodeSync,
	"force_reconnect":       decodeAs[ForceReconnectRequest](),
}

func decodeAs[T Command](required ...string) decoder {
	return func(frame []byte, fields map[string]json.RawMessage) (Command, *Error) {
		return into[T](frame, fields, required...)
	}
}

func decodeCreateChat(frame []byte, fields map[string]json.RawMessage) (Command, *Error) {
	cmd, err := into[CreateChat](frame, fields)
	if err != nil {
		return nil, err
	}
	if c := cmd.(CreateChat); len(c.Members) > MaxMembers {
		return nil, Errorf(CodeInvalidPayload, "members: at most %d per chat", MaxMembers)
	}
	return cmd, nil
}

func decodeHistory(frame []byte, fields map[string]json.RawMessage) (Command, *Error) {
	cmd, err := into[GetHistory](frame, fields, "chat_id")
	if err != nil {
		return nil, err
	}
	if cmd.(GetHistory).Limit < 0 {
		return nil, Errorf(CodeInvalidPayload, "limit must not be negative")
	}
	return cmd, nil
}

func decodeSync(frame []byte, fields map[string]json.RawMessage) (Command, *Error) {
	cmd, err := into[SyncRequest](frame, fields, "positions")
	if err != nil {
		return nil, err
	}
	s := cmd.(SyncRequest)
	switch {
	case s.Limit < 0:
		return nil, Errorf(CodeInvalidPayload, "limit must not be negative")
	case len(s.Positions) > MaxSyncChats:
		return nil, Errorf(CodeInvalidPayload, "positions: at most %d chats", MaxSyncChats)
	}
	return cmd, nil
}

// decodeBulk decodes bulk_read_receipt item by item: one bad item gets its
// own error and does not spoil the others.
func decodeBulk(_ []byte, fields map[string]json.RawMessage) (Command, *Error) {
	ref, _ := optionalString(fields, "ref")
	if err := require(fields, "receipts"); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if json.Unmarshal(fields["receipts"], &raws) != nil {
		return nil, Errorf(CodeInvalidPayload, "receipts must be a list")
	}
	if len(raws) > MaxBulkReceipts {
		return nil, Errorf(CodeInvalidPayload, "receipts: at most %d items", MaxBulkReceipts)
	}
	items := make([]ReceiptItem, len(raws))
	for i, raw := range raws {
		items[i] = decodeReceipt(raw)
	}
	return BulkReadReceipt{Ref: ref, Receipts: items}, nil
}

func decodeReceipt(raw json.RawMessage) ReceiptItem {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ReceiptItem{Err: Errorf(CodeInvalidPayload, "each receipt must be an object")}
	}
	chatID, _ := optionalString(fields, "chat_id")
	cmd, err := into[ReadReceipt](raw, fields, "chat_id", "seq")
	if err != nil {
		return ReceiptItem{ChatID: chatID, Err: err}
	}
	r := cmd.(ReadReceipt)
	return ReceiptItem{ChatID: r.ChatID, Seq: r.Seq}
}
