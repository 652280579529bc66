package contract

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/protocol"
)

// TestProtocolTypesMatchSchemas: every Go type of package protocol, filled
// in, encodes to JSON that docs/asyncapi.yaml accepts: each client command
// (protocol.EncodeCommand) against its message schema, each server frame
// (protocol.Encode) against its frame schema and, for an ack, the schema
// of the command it answers; an error frame with each of protocol.Codes.
// And every message type the contract names has a Go type here, so a frame
// added to one side only fails this test, not a client in production.
func TestProtocolTypesMatchSchemas(t *testing.T) {
	fs := loadFrameSchemas(t)
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	seq := uint64(3)
	msg, _ := protocol.Encode(protocol.MessageFrame{ChatID: "c", Seq: 1, MessageID: "m", Sender: "alice", Body: "hi", SentAt: at, ClientMsgID: "x"})
	commands := []protocol.Command{
		protocol.Ping{Ref: "1"},
		protocol.CreateChat{Ref: "1", ChatID: "c", Title: "t", Members: []string{"bob"}},
		protocol.SendMessage{Ref: "1", ChatID: "c", ClientMsgID: "x", Body: "hi"},
		protocol.Typing{ChatID: "c", IsTyping: true},
		protocol.ReadReceipt{Ref: "1", ChatID: "c", Seq: 1},
		protocol.BulkReadReceipt{Ref: "1", Receipts: []protocol.ReceiptItem{{ChatID: "c", Seq: 1}}},
		protocol.MarkChatRead{Ref: "1", ChatID: "c"},
		protocol.GetConnectionStatus{Ref: "1"},
		protocol.ListChats{Ref: "1"},
		protocol.GetHistory{Ref: "1", ChatID: "c", BeforeSeq: 9, Limit: 5},
		protocol.SyncRequest{Ref: "1", Positions: map[string]uint64{"c": 1}, Limit: 5},
		protocol.ForceReconnectRequest{Ref: "1"},
		protocol.AddMembers{Ref: "1", ChatID: "c", Members: []string{"carol"}},
		protocol.RemoveMember{Ref: "1", ChatID: "c", User: "carol"},
		protocol.LeaveChat{Ref: "1", ChatID: "c"},
		protocol.EditMessage{Ref: "1", ChatID: "c", Seq: 1, Body: "hello"},
		protocol.DeleteMessage{Ref: "1", ChatID: "c", Seq: 1},
		protocol.DeliveryReceipt{Ref: "1", ChatID: "c", Seq: 1},
		protocol.GetPresence{Ref: "1", Users: []string{"bob"}},
	}
	frames := []struct {
		f   protocol.Frame
		ack string // the command an ack answers
	}{
		{protocol.Pong{Ref: "1"}, ""},
		{protocol.AckCreateChat{Ref: "1", ChatID: "c"}, "create_chat"},
		{protocol.AckSendMessage{Ref: "1", ChatID: "c", ClientMsgID: "x", MessageID: "m", Seq: 1, SentAt: at}, "send_message"},
		{protocol.AckRead{Ref: "1", ChatID: "c", LastReadSeq: 1}, "read_receipt"},
		{protocol.AckRead{Ref: "1", ChatID: "c", LastReadSeq: 1}, "mark_chat_read"},
		{protocol.AckBulkRead{Ref: "1", Results: []protocol.BulkResult{{ChatID: "c", LastReadSeq: &seq},
			{ChatID: "d", Error: &protocol.ErrorFrame{Code: protocol.CodeNotMember, Message: "not a member"}}}}, "bulk_read_receipt"},
		{protocol.AckMembers{Ref: "1", ChatID: "c", Members: []string{"alice", "carol"}}, "add_members"},
		{protocol.AckMembers{Ref: "1", ChatID: "c", Members: []string{"alice"}}, "remove_member"},
		{protocol.AckMembers{Ref: "1", ChatID: "c", Members: []string{"alice"}}, "leave_chat"},
		{protocol.AckTimelineItem{Ref: "1", ChatID: "c", Seq: 4}, "edit_message"},
		{protocol.AckTimelineItem{Ref: "1", ChatID: "c", Seq: 5}, "delete_message"},
		{protocol.AckDelivery{Ref: "1", ChatID: "c", DeliveredSeq: 3}, "delivery_receipt"},
		{protocol.ErrorFrame{Ref: "1", Code: protocol.CodeNotMember, Message: "m", ChatID: "c"}, ""},
		{protocol.ErrorFrame{Ref: "1", Code: protocol.CodeNotMember, Message: "m", ChatIDs: []string{"c", "d"}}, ""},
		{protocol.MessageFrame{ChatID: "c", Seq: 1, MessageID: "m", Sender: "alice", Body: "hi", SentAt: at, ClientMsgID: "x"}, ""},
		{protocol.ShownMessageFrame{ChatID: "c", Seq: 1, MessageID: "m", Sender: "alice", Body: "hi", SentAt: at, ClientMsgID: "x", EditedAt: &at}, ""},
		{protocol.ShownMessageFrame{ChatID: "c", Seq: 1, MessageID: "m", Sender: "alice", SentAt: at, ClientMsgID: "x", Deleted: true}, ""},
		{protocol.ChatCreatedFrame{ChatID: "c", Title: "t", Members: []string{"alice", "bob"}, CreatedBy: "alice"}, ""},
		{protocol.TypingFrame{ChatID: "c", User: "bob", IsTyping: true}, ""},
		{protocol.ReadFrame{ChatID: "c", User: "bob", LastReadSeq: 1}, ""},
		{protocol.MembersChangedFrame{ChatID: "c", Seq: 2, Added: []string{"carol"}, Removed: []string{}, By: "alice", Members: []string{"alice", "carol"}}, ""},
		{protocol.MessageEditedFrame{ChatID: "c", Seq: 4, TargetSeq: 1, Body: "hello", EditedAt: at, By: "alice"}, ""},
		{protocol.MessageDeletedFrame{ChatID: "c", Seq: 5, TargetSeq: 1, By: "alice"}, ""},
		{protocol.DeliveredFrame{ChatID: "c", User: "bob", DeliveredSeq: 3}, ""},
		{protocol.PresenceFrame{User: "bob", Status: protocol.StatusOffline, LastSeen: &at}, ""},
		{protocol.PresenceStateFrame{Ref: "1", Users: []protocol.PresenceFrame{{User: "bob", Status: protocol.StatusOnline}, {User: "eve", Status: protocol.StatusUnknown}}}, ""},
		{protocol.ConnectionStatusFrame{Ref: "1", ConnectionID: "k", UserID: "alice", Node: "n", ConnectedAt: at, ServerTime: at,
			Protocol: protocol.Protocol, Chats: []string{"c"}, MessagesIn: 1, MessagesOut: 2}, ""},
		{protocol.ChatsFrame{Ref: "1", Chats: []protocol.ChatSummary{{ChatID: "c", Title: "t", Members: []string{"alice"}, LatestSeq: 3, LastReadSeq: 1, Unread: 2}}}, ""},
		{protocol.HistoryFrame{Ref: "1", ChatID: "c", Messages: []json.RawMessage{msg}}, ""},
		{protocol.SyncCompleteFrame{Ref: "1", Chats: map[string]protocol.SyncChat{"c": {LatestSeq: 3, LastReadSeq: 1, Unread: 2, Truncated: true}}}, ""},
		{protocol.ForceReconnectFrame{Reason: protocol.ReasonSlowConsumer, RetryAfterMs: 1000}, ""},
	}
	for _, code := range protocol.Codes {
		frames = append(frames, struct {
			f   protocol.Frame
			ack string
		}{protocol.ErrorFrame{Code: code, Message: "m"}, ""})
	}

	typed := map[string]bool{}
	for _, c := range commands {
		typed[c.CommandType()] = true
		raw, err := protocol.EncodeCommand(c)
		if err != nil {
			t.Fatal(err)
		}
		if sch, ok := fs.client[c.CommandType()]; !ok {
			t.Errorf("%T: no client message %q in asyncapi.yaml", c, c.CommandType())
		} else if err := validate(sch, raw); err != nil {
			t.Errorf("%T encodes to %s, which its schema refuses:\n%v", c, raw, err)
		}
	}
	for typ := range fs.client {
		if !typed[typ] {
			t.Errorf("client message %q of asyncapi.yaml has no protocol command", typ)
		}
	}
	typed = map[string]bool{}
	for _, tc := range frames {
		typed[tc.f.FrameType()] = true
		raw, err := protocol.Encode(tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if sch, ok := fs.server[tc.f.FrameType()]; !ok {
			t.Errorf("%T: no server frame %q in asyncapi.yaml", tc.f, tc.f.FrameType())
		} else if err := validate(sch, raw); err != nil {
			t.Errorf("%T encodes to %s, which its schema refuses:\n%v", tc.f, raw, err)
		}
		if tc.ack == "" {
			continue
		}
		if sch, ok := fs.acks[tc.ack]; !ok {
			t.Errorf("no ack schema for %s", tc.ack)
		} else if err := validate(sch, raw); err != nil {
			t.Errorf("%T as the ack of %s: %s refused:\n%v", tc.f, tc.ack, raw, err)
		}
	}
	for typ := range fs.server {
		if !typed[typ] {
			t.Errorf("server frame %q of asyncapi.yaml has no protocol frame type", typ)
		}
	}
}
