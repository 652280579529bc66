package protocol

import (
	"testing"
	"time"
)

// TestDecodeSendMessageAllocations: a send_message frame on the fast path
// costs three allocations: its ids' one string, its body's, and the
// command's box (four strings before, one per field). Every field still
// reads as sent.
func TestDecodeSendMessageAllocations(t *testing.T) {
	frame := []byte(`{"type":"send_message","ref":"r-17","chat_id":"c-42","client_msg_id":"m-0001","body":"hello, world"}`)
	want := SendMessage{Ref: "r-17", ChatID: "c-42", ClientMsgID: "m-0001", Body: "hello, world"}
	var got Command
	allocs := testing.AllocsPerRun(200, func() {
		var err *Error
		if got, err = Decode(frame); err != nil {
			t.Fatal(err)
		}
	})
	if got != want {
		t.Fatalf("decoded %#v, want %#v", got, want)
	}
	if allocs > 3 {
		t.Fatalf("decoding a send_message made %.0f allocations, want at most 3", allocs)
	}
}

// TestEncodeAckByPointerAllocatesOnce: an ack encoded through its pointer
// (as the chat actor sends it, actors.ackPosted) makes only its bytes, no
// box, and the bytes are the value's.
func TestEncodeAckByPointerAllocatesOnce(t *testing.T) {
	ack := AckSendMessage{Ref: "r", ChatID: "c", ClientMsgID: "m", MessageID: "id", Seq: 7, SentAt: time.Unix(1700000000, 5).UTC()}
	byValue, err := Encode(ack)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	allocs := testing.AllocsPerRun(200, func() {
		if b, err = Encode(&ack); err != nil {
			t.Fatal(err)
		}
	})
	if string(b) != string(byValue) {
		t.Fatalf("by pointer %s, by value %s", b, byValue)
	}
	if allocs > 1 {
		t.Fatalf("encoding an ack by pointer made %.0f allocations, want 1", allocs)
	}
}
