package protocol

import (
	"reflect"
	"strings"
	"testing"
)

// TestDecodeEveryCommand: one valid frame of each client command (v1 and
// v1.1) decodes to its struct, with its type and ref.
func TestDecodeEveryCommand(t *testing.T) {
	for _, tc := range []struct {
		frame string
		want  Command
	}{
		{`{"type":"ping","ref":"1"}`, Ping{Ref: "1"}},
		{`{"type":"create_chat","ref":"1","chat_id":"c","title":"t","members":["b"]}`, CreateChat{Ref: "1", ChatID: "c", Title: "t", Members: []string{"b"}}},
		{`{"type":"send_message","ref":"1","chat_id":"c","client_msg_id":"m","body":"hi"}`, SendMessage{Ref: "1", ChatID: "c", ClientMsgID: "m", Body: "hi"}},
		{`{"type":"typing","chat_id":"c","is_typing":true}`, Typing{ChatID: "c", IsTyping: true}},
		{`{"type":"read_receipt","chat_id":"c","seq":3}`, ReadReceipt{ChatID: "c", Seq: 3}},
		{`{"type":"bulk_read_receipt","ref":"1","receipts":[{"chat_id":"c","seq":2}]}`, BulkReadReceipt{Ref: "1", Receipts: []ReceiptItem{{ChatID: "c", Seq: 2}}}},
		{`{"type":"mark_chat_read","chat_id":"c"}`, MarkChatRead{ChatID: "c"}},
		{`{"type":"get_connection_status"}`, GetConnectionStatus{}},
		{`{"type":"list_chats"}`, ListChats{}},
		{`{"type":"get_history","chat_id":"c","before_seq":9,"limit":5}`, GetHistory{ChatID: "c", BeforeSeq: 9, Limit: 5}},
		{`{"type":"sync_request","positions":{"c":4},"limit":7}`, SyncRequest{Positions: map[string]uint64{"c": 4}, Limit: 7}},
		{`{"type":"force_reconnect","ref":"1"}`, ForceReconnectRequest{Ref: "1"}},
		{`{"type":"add_members","chat_id":"c","members":["d"]}`, AddMembers{ChatID: "c", Members: []string{"d"}}},
		{`{"type":"remove_member","chat_id":"c","user":"d"}`, RemoveMember{ChatID: "c", User: "d"}},
		{`{"type":"leave_chat","chat_id":"c"}`, LeaveChat{ChatID: "c"}},
		{`{"type":"edit_message","chat_id":"c","seq":2,"body":"b"}`, EditMessage{ChatID: "c", Seq: 2, Body: "b"}},
		{`{"type":"delete_message","chat_id":"c","seq":2}`, DeleteMessage{ChatID: "c", Seq: 2}},
		{`{"type":"delivery_receipt","chat_id":"c","seq":2}`, DeliveryReceipt{ChatID: "c", Seq: 2}},
		{`{"type":"get_presence","users":["a","b"]}`, GetPresence{Users: []string{"a", "b"}}},
	} {
		got, err := Decode([]byte(tc.frame))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Decode(%s) = %#v, %v; want %#v", tc.frame, got, err, tc.want)
			continue
		}
		if typ := strings.Split(tc.frame, `"`)[3]; got.CommandType() != typ {
			t.Errorf("%T.CommandType() = %q, want %q", got, got.CommandType(), typ)
		}
	}
}

// TestDecodeRefusals: each kind of bad frame gets its code, a message
// naming the problem, and the ref when it could be read and is not too
// long.
func TestDecodeRefusals(t *testing.T) {
	long := strings.Repeat("x", MaxIDBytes+1)
	for _, tc := range []struct {
		frame, code, message, ref string
	}{
		{`{"type":"ping",`, "invalid_json", "frame is not valid JSON", ""},
		{`[1]`, "invalid_payload", "a frame must be a JSON object, not an array", ""},
		{`{"ref":"7"}`, "invalid_payload", "type is required", "7"},
		{`{"type":"dance","ref":"7"}`, "unknown_type", `unknown message type "dance"`, "7"},
		{`{"type":"ping","ref":"` + strings.Repeat("r", MaxRefBytes+1) + `"}`, "invalid_payload", "ref is longer than 128 bytes", ""},
		{`{"ref":"` + strings.Repeat("r", MaxRefBytes+1) + `"}`, "invalid_payload", "ref is longer than 128 bytes", ""},
		{`{"type":7,"ref":"` + strings.Repeat("r", MaxRefBytes+1) + `"}`, "invalid_payload", "ref is longer than 128 bytes", ""},
		{`{"type":"send_message","ref":"7","chat_id":"c","client_msg_id":"m","body":1}`, "invalid_payload", "body must be a string", "7"},
		{`{"type":"send_message","ref":"7","chat_id":"` + long + `","client_msg_id":"m","body":"b"}`, "invalid_payload", "chat_id is longer than 128 bytes", "7"},
		{`{"type":"get_history","ref":"7","chat_id":"c","limit":-1}`, "invalid_payload", "limit must not be negative", "7"},
		{`{"type":"get_presence","ref":"7","users":[""]}`, "invalid_payload", "users: each user id must be 1 to 128 bytes", "7"},
		{`{"type":"edit_message","ref":"7","chat_id":"c","seq":"2","body":"b"}`, "invalid_payload", "seq must be a non-negative integer", "7"},
	} {
		cmd, err := Decode([]byte(tc.frame))
		if err == nil || string(err.Code) != tc.code || err.Message != tc.message || cmd.CommandRef() != tc.ref {
			t.Errorf("Decode(%.40s) = %#v, %v; want %s %q ref %q", tc.frame, cmd, err, tc.code, tc.message, tc.ref)
		}
	}
}

// TestBulkItemsFailAlone: a bad receipt spoils only its own item.
func TestBulkItemsFailAlone(t *testing.T) {
	cmd, err := Decode([]byte(`{"type":"bulk_read_receipt","receipts":[{"chat_id":"a","seq":1},7,{"chat_id":"b"},{"chat_id":"` + strings.Repeat("c", 200) + `","seq":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	items := cmd.(BulkReadReceipt).Receipts
	if len(items) != 4 || items[0].Err != nil || items[1].Err == nil || items[2].Err == nil || items[2].ChatID != "b" || items[3].Err == nil || len(items[3].ChatID) > MaxIDBytes+len("…") {
		t.Fatalf("items = %+v", items)
	}
}

// TestEncodeTypeFirst: the type comes first, then the fields in struct
// order; a frame with no fields is just its type.
func TestEncodeTypeFirst(t *testing.T) {
	for _, tc := range []struct {
		f    Frame
		want string
	}{
		{Pong{}, `{"type":"pong"}`},
		{Pong{Ref: "1"}, `{"type":"pong","ref":"1"}`},
		{TypingFrame{ChatID: "c", User: "u", IsTyping: true}, `{"type":"typing","chat_id":"c","user":"u","is_typing":true}`},
		{PresenceFrame{User: "u", Status: "online"}, `{"type":"presence","user":"u","status":"online","last_seen":null}`},
	} {
		got, err := Encode(tc.f)
		if err != nil || string(got) != tc.want {
			t.Errorf("Encode(%#v) = %s, %v; want %s", tc.f, got, err, tc.want)
		}
	}
}

// TestEncodeCommandRoundTrips: what EncodeCommand writes, Decode reads
// back unchanged.
func TestEncodeCommandRoundTrips(t *testing.T) {
	for _, c := range []Command{
		Ping{Ref: "1"}, SendMessage{Ref: "2", ChatID: "c", ClientMsgID: "m", Body: "hé \"quoted\""},
		SyncRequest{Positions: map[string]uint64{"c": 1}}, EditMessage{ChatID: "c", Seq: 3, Body: "b"},
	} {
		b, err := EncodeCommand(c)
		if err != nil {
			t.Fatal(err)
		}
		got, derr := Decode(b)
		if derr != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("Decode(%s) = %#v, %v; want %#v", b, got, derr, c)
		}
	}
}
