package protocol

import "unicode/utf8"

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
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return m, false
	}
	i = skipSpace(b, i+1)
	for {
		key, j, ok := plainString(b, i)
		if !ok {
			return m, false
		}
		if j = skipSpace(b, j); j >= len(b) || b[j] != ':' {
			return m, false
		}
		val, k, ok := plainString(b, skipSpace(b, j+1))
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
		if k = skipSpace(b, k); k >= len(b) {
			return m, false
		}
		if b[k] == ',' {
			i = skipSpace(b, k+1)
			continue
		}
		if b[k] != '}' || skipSpace(b, k+1) != len(b) {
			return m, false
		}
		return m, seen&required == required
	}
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// plainString reads the JSON string starting at b[i] when it has no
// escapes and no control characters and is valid UTF-8: its contents and
// the index after its closing quote.
func plainString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s = b[i+1 : j]
			return s, j + 1, utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}
