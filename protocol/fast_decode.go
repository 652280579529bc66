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
	i := jsonscan.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return m, false
	}
	i = jsonscan.SkipSpace(b, i+1)
	for {
		key, j, ok := jsonscan.PlainString(b, i)
		if !ok {
			return m, false
		}
		if j = jsonscan.SkipSpace(b, j); j >= len(b) || b[j] != ':' {
			return m, false
		}
		val, k, ok := jsonscan.PlainString(b, jsonscan.SkipSpace(b, j+1))
		if !ok {
			return m, false
		}
		var bit uint8
		switch string(key) {
		case "type":
			if string(val) != "send_message" {
				return m, false
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
			return m, false
		}
		if seen&bit != 0 {
			return m, false
		}
		seen |= bit
		if k = jsonscan.SkipSpace(b, k); k >= len(b) {
			return m, false
		}
		if b[k] == ',' {
			i = jsonscan.SkipSpace(b, k+1)
			continue
		}
		if b[k] != '}' || jsonscan.SkipSpace(b, k+1) != len(b) {
			return m, false
		}
		return m, seen&required == required
	}
}
