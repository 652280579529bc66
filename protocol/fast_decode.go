package protocol

import (
	"strings"

	"github.com/linkup-chat/linkup/internal/jsonscan"
)

// decodeSendFast decodes the common shape of a send_message frame without
// reflection: one JSON object whose members are exactly "type" (the
// string "send_message"), "chat_id", "client_msg_id", "body" and
// optionally "ref", each once, each a string without escapes or control
// characters and valid UTF-8. For such a frame encoding/json yields the
// same fields (decode_fast_test.go compares both over random frames); any
// other frame, including every malformed one, reports ok false and takes
// the generic path, which also owns every error message.
//
// The short fields (ref, chat_id, client_msg_id) share one string and the
// body has its own: two allocations instead of four, and a body kept
// (a chat's ring) pins no more than those few bounded ids beside it, nor
// does an id kept as a map key pin the body.
func decodeSendFast(b []byte) (m SendMessage, ok bool) {
	const (
		hasType = 1 << iota
		hasRef
		hasChat
		hasClientID
		hasBody
		required = hasType | hasChat | hasClientID | hasBody
	)
	var seen uint8
	var ref, chat, cid, body []byte
	whole := jsonscan.Members(b, func(key []byte, at int) (int, bool) {
		val, next, ok := jsonscan.PlainString(b, at)
		if !ok {
			return 0, false
		}
		var bit uint8
		switch string(key) {
		case "type":
			if string(val) != "send_message" {
				return 0, false
			}
			bit = hasType
		case "ref":
			ref, bit = val, hasRef
		case "chat_id":
			chat, bit = val, hasChat
		case "client_msg_id":
			cid, bit = val, hasClientID
		case "body":
			body, bit = val, hasBody
		default:
			return 0, false
		}
		if seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return next, true
	})
	if !whole || seen&required != required {
		return m, false
	}
	var sb strings.Builder // one allocation: Grow's, String does not copy
	sb.Grow(len(ref) + len(chat) + len(cid))
	sb.Write(ref)
	sb.Write(chat)
	sb.Write(cid)
	ids := sb.String()
	m.Ref, m.ChatID, m.ClientMsgID = ids[:len(ref)], ids[len(ref):len(ref)+len(chat)], ids[len(ref)+len(chat):]
	m.Body = string(body)
	return m, true
}
