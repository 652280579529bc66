package protocol

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// encodeFast writes the hot frames, message and ack, without reflection,
// byte for byte as encodeTyped would (encode_fast_test.go compares both
// over random frames). ok is false for any other frame, or a timestamp
// encoding/json refuses: the generic path then encodes (or refuses) it.
func encodeFast(f Frame) (b []byte, ok bool) {
	switch m := f.(type) {
	case MessageFrame:
		b = make([]byte, 0, 160+len(m.ChatID)+len(m.MessageID)+len(m.Sender)+len(m.Body)+len(m.ClientMsgID))
		b = append(b, `{"type":"message","chat_id":`...)
		b = appendJSONText(b, m.ChatID)
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, m.Seq, 10)
		b = append(b, `,"message_id":`...)
		b = appendJSONText(b, m.MessageID)
		b = append(b, `,"sender":`...)
		b = appendJSONText(b, m.Sender)
		b = append(b, `,"body":`...)
		b = appendJSONText(b, m.Body)
		b = append(b, `,"sent_at":`...)
		if b, ok = appendJSONTime(b, m.SentAt); !ok {
			return nil, false
		}
		b = append(b, `,"client_msg_id":`...)
		b = appendJSONText(b, m.ClientMsgID)
		return append(b, '}'), true
	case AckSendMessage:
		b = make([]byte, 0, 160+len(m.Ref)+len(m.ChatID)+len(m.ClientMsgID)+len(m.MessageID))
		b = append(b, `{"type":"ack",`...)
		if m.Ref != "" {
			b = append(b, `"ref":`...)
			b = appendJSONText(b, m.Ref)
			b = append(b, ',')
		}
		b = append(b, `"chat_id":`...)
		b = appendJSONText(b, m.ChatID)
		b = append(b, `,"client_msg_id":`...)
		b = appendJSONText(b, m.ClientMsgID)
		b = append(b, `,"message_id":`...)
		b = appendJSONText(b, m.MessageID)
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, m.Seq, 10)
		b = append(b, `,"sent_at":`...)
		if b, ok = appendJSONTime(b, m.SentAt); !ok {
			return nil, false
		}
		return append(b, '}'), true
	}
	return nil, false
}

const hexDigits = "0123456789abcdef"

// appendJSONText appends s as encoding/json.Marshal quotes a string: HTML
// characters (<, >, &) and control characters escaped, invalid UTF-8 as
// U+FFFD, U+2028 and U+2029 escaped.
func appendJSONText(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, quoted); ok is false where MarshalJSON fails (a year
// outside 0..9999, a zone offset of 24 hours or more).
func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	n0 := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	switch {
	case len(b) < n0+5 || b[n0+4] != '-':
		return nil, false
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		h := 10*int(b[len(b)-5]-'0') + int(b[len(b)-4]-'0')
		if ('0' <= c && c <= '9') || h >= 24 {
			return nil, false
		}
	}
	return append(b, '"'), true
}
