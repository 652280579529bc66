package client_test

import (
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/protocol"
)

// TestTypedCommandsAgainstARealNode: a client speaks only protocol's
// types to a real node over loopback: commands out with SendCommand,
// replies in decoded into protocol's frame structs, refusals read as coded
// errors.
func TestTypedCommandsAgainstARealNode(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	expect := func(ref string) client.Frame {
		t.Helper()
		f, err := alice.Expect(5*time.Second, func(f client.Frame) bool { return f.Ref() == ref })
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if err := alice.SendCommand(protocol.CreateChat{Ref: "c", ChatID: "general", Title: "General", Members: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	var created protocol.AckCreateChat
	if f := expect("c"); f.Err() != nil || f.Decode(&created) != nil || created.ChatID != "general" {
		t.Fatalf("create_chat answered %s", f.Raw)
	}
	_ = alice.SendCommand(protocol.SendMessage{Ref: "s", ChatID: "general", ClientMsgID: "m-1", Body: "hello"})
	var ack protocol.AckSendMessage
	if f := expect("s"); f.Decode(&ack) != nil || ack.Seq == 0 || ack.ClientMsgID != "m-1" || ack.SentAt.IsZero() {
		t.Fatalf("send_message answered %s", f.Raw)
	}
	_ = alice.SendCommand(protocol.GetHistory{Ref: "h", ChatID: "nowhere"})
	if e := expect("h").Err(); e == nil || e.Code != protocol.CodeNotMember && e.Code != protocol.CodeNotFound {
		t.Fatalf("history of an unknown chat: error %v", e)
	}
	_ = alice.SendCommand(protocol.EditMessage{Ref: "e", ChatID: "general", Seq: ack.Seq})
	if e := expect("e").Err(); e == nil || e.Code != protocol.CodeInvalidPayload {
		t.Fatalf("an edit without a body: error %v", e)
	}
}
