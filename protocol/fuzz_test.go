package protocol

import (
	"strings"
	"testing"
)

// FuzzDecode: any bytes decode to a command or a coded refusal, never a
// panic: a refusal is a BadFrame carrying the same error, its code one of
// the decoder's codes and its message non-empty; an accepted command
// carries a ref and strings within the limits.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"ping"}`, `[]`, `null`, `"x"`, `{"type":"send_message","chat_id":"c","client_msg_id":"1","body":"b"}`,
		`{"type":"bulk_read_receipt","receipts":[{"chat_id":"c","seq":1},7,null,{"seq":-1}]}`,
		`{"type":"sync_request","positions":{"c":1},"limit":-5}`, `{"type":"create_chat","members":[1,2]}`,
		`{"type":"get_history","chat_id":"c","limit":1e99}`, "{\"type\":\"\xff\"}", `{"ref":{"a":1},"type":"ping"}`,
		`{"type":"add_members","chat_id":"c","members":["u"]}`, `{"type":"edit_message","chat_id":"c","seq":-1,"body":"b"}`,
		`{"type":"get_presence","users":[""]}`, `{"type":"delivery_receipt","chat_id":"c","seq":"1"}`,
		`{"type":"ping","ref":"` + strings.Repeat("r", MaxRefBytes+1) + `"}`, ``, `{}`, `{"type":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		cmd, err := Decode(frame)
		if cmd == nil {
			t.Fatal("nil command")
		}
		if len(cmd.CommandRef()) > MaxRefBytes {
			t.Fatalf("ref of %d bytes accepted", len(cmd.CommandRef()))
		}
		bad, isBad := cmd.(BadFrame)
		if isBad != (err != nil) || isBad && bad.Err != err {
			t.Fatalf("Decode returned %#v and error %v: a refusal must be a BadFrame with the same error", cmd, err)
		}
		if err == nil {
			return
		}
		switch err.Code {
		case CodeInvalidJSON, CodeInvalidPayload, CodeUnknownType:
		default:
			t.Fatalf("unexpected code %q", err.Code)
		}
		if err.Message == "" {
			t.Fatal("error without message")
		}
	})
}
