package transport

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/linkup-chat/linkup/actors"
)

// FuzzDecode: any bytes decode to a command or a coded BadFrame, never a
// panic, and a BadFrame always carries a protocol error code.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":"ping"}`, `[]`, `null`, `"x"`, `{"type":"send_message","chat_id":"c","client_msg_id":"1","body":"b"}`,
		`{"type":"bulk_read_receipt","receipts":[{"chat_id":"c","seq":1},7,null,{"seq":-1}]}`,
		`{"type":"sync_request","positions":{"c":1},"limit":-5}`, `{"type":"create_chat","members":[1,2]}`,
		`{"type":"get_history","chat_id":"c","limit":1e99}`, "{\"type\":\"\xff\"}", `{"ref":{"a":1},"type":"ping"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		cmd := Decode(frame)
		if cmd == nil {
			t.Fatal("nil command")
		}
		if bad, ok := cmd.(actors.BadFrame); ok {
			switch bad.Err.Code {
			case actors.CodeInvalidJSON, actors.CodeInvalidPayload, actors.CodeUnknownType:
			default:
				t.Fatalf("unexpected code %q", bad.Err.Code)
			}
			if bad.Err.Message == "" {
				t.Fatal("error without message")
			}
		}
	})
}

// FuzzFindToken: header and query parsing never panics, and whatever it
// returns is a well-formed token.
func FuzzFindToken(f *testing.F) {
	f.Add("Bearer a.b.c", "a.b.c", "linkup.v1, bearer.a.b.c")
	f.Add("Bearer , bearer x.y.z,,", "", "bearer.")
	f.Add("basic abc", "%zz", ",,,")
	f.Fuzz(func(t *testing.T, auth, query, proto string) {
		r := &http.Request{Header: http.Header{}, URL: &url.URL{RawQuery: "token=" + url.QueryEscape(query)}}
		r.Header.Add("Authorization", auth)
		r.Header.Add("Authorization", auth+","+auth)
		r.Header.Add("Sec-WebSocket-Protocol", proto)
		tok, _, ok := findToken(r)
		if ok && !wellFormed(tok) {
			t.Fatalf("returned a malformed token %q", tok)
		}
		_ = presented(r)
	})
}

// FuzzVerifyToken: any string is refused or accepted without panicking,
// and refusals wrap ErrUnauthorized.
func FuzzVerifyToken(f *testing.F) {
	good, _ := IssueToken([]byte("k"), "u", []string{"analyst"}, 3600e9)
	f.Add(good)
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := VerifyToken([]byte("k"), tok)
		if err == nil && c.Subject == "" {
			t.Fatal("accepted a token without sub")
		}
	})
}
