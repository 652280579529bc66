package actors

import (
	"strconv"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// chatEventData encodes a chat event with the request's correlation. A
// MessagePosted, the event of nearly every command, is written without
// reflection (postedData); the others go through events.Encode.
func chatEventData(ev events.Event, o origin, node string) (events.EventData, error) {
	md := events.Metadata{CorrelationID: o.Corr, CausationID: o.Corr, Node: node}
	if m, ok := ev.(events.MessagePosted); ok {
		if data, ok := postedData(m); ok {
			return events.EventData{Type: events.TypeMessagePosted, Data: data, Metadata: md}, nil
		}
	}
	return events.Encode(ev, md)
}

// postedData is MessagePosted's JSON as encoding/json writes it (the
// fields in their declared order, strings and the time quoted alike),
// byte for byte (chat_eventdata_test.go compares both over random
// events); ok is false for a time encoding/json refuses, which
// events.Encode then reports.
func postedData(m events.MessagePosted) (b []byte, ok bool) {
	b = make([]byte, 0, 150+len(m.ChatID)+len(m.MessageID)+len(m.Sender)+len(m.Body)+len(m.ClientMsgID))
	b = append(b, `{"chat_id":`...)
	b = protocol.AppendJSONString(b, m.ChatID)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, `,"message_id":`...)
	b = protocol.AppendJSONString(b, m.MessageID)
	b = append(b, `,"sender":`...)
	b = protocol.AppendJSONString(b, m.Sender)
	b = append(b, `,"body":`...)
	b = protocol.AppendJSONString(b, m.Body)
	b = append(b, `,"client_msg_id":`...)
	b = protocol.AppendJSONString(b, m.ClientMsgID)
	b = append(b, `,"sent_at":`...)
	if b, ok = protocol.AppendJSONTime(b, m.SentAt); !ok {
		return nil, false
	}
	return append(b, '}'), true
}
