package protocol

import (
	"strconv"

	"github.com/linkup-chat/linkup/internal/jsonenc"
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
		b = jsonenc.String(b, m.ChatID)
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, m.Seq, 10)
		b = append(b, `,"message_id":`...)
		b = jsonenc.String(b, m.MessageID)
		b = append(b, `,"sender":`...)
		b = jsonenc.String(b, m.Sender)
		b = append(b, `,"body":`...)
		b = jsonenc.String(b, m.Body)
		b = append(b, `,"sent_at":`...)
		if b, ok = jsonenc.Time(b, m.SentAt); !ok {
			return nil, false
		}
		b = append(b, `,"client_msg_id":`...)
		b = jsonenc.String(b, m.ClientMsgID)
		return append(b, '}'), true
	case AckSendMessage:
		return encodeAck(&m)
	case *AckSendMessage: // an ack held by pointer, so it was not boxed
		return encodeAck(m)
	}
	return nil, false
}

// encodeAck is encodeFast of a send_message ack.
func encodeAck(m *AckSendMessage) (b []byte, ok bool) {
	b = make([]byte, 0, 160+len(m.Ref)+len(m.ChatID)+len(m.ClientMsgID)+len(m.MessageID))
	b = append(b, `{"type":"ack",`...)
	if m.Ref != "" {
		b = append(b, `"ref":`...)
		b = jsonenc.String(b, m.Ref)
		b = append(b, ',')
	}
	b = append(b, `"chat_id":`...)
	b = jsonenc.String(b, m.ChatID)
	b = append(b, `,"client_msg_id":`...)
	b = jsonenc.String(b, m.ClientMsgID)
	b = append(b, `,"message_id":`...)
	b = jsonenc.String(b, m.MessageID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, `,"sent_at":`...)
	if b, ok = jsonenc.Time(b, m.SentAt); !ok {
		return nil, false
	}
	return append(b, '}'), true
}
