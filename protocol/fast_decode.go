package protocol

import "github.com/linkup-chat/linkup/internal/jsonscan"

// decodeSendFast decodes the common shape of a send_message frame without
// reflection: one JSON object whose members are exactly "type" (the
// string "send_message"), "chat_id", "client_msg_id", "body" and
// optionally "ref", each once, each a string without escapes or control
// characters and valid UTF-8. For such a frame encoding/json yields the
// same fields (decode_fast_test.go compares both over random frames); any
// other frame, including every malformed one, reports ok false and takes
// the generic path, which also owns every error message.
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
			m.Ref, bit = string(val), hasRef
		case "chat_id":
			m.ChatID, bit = string(val), hasChat
		case "client_msg_id":
			m.ClientMsgID, bit = string(val), hasClientID
		case "body":
			m.Body, bit = string(val), hasBody
		default:
			return 0, false
		}
		if seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return next, true
	})
	return m, whole && seen&required == required
}
