package projections

import (
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/jsonscan"
)

// decodeEvent is events.Decode, with MessagePosted (most of a chat log)
// decoded without reflection when its data has the plain shape
// decodePostedFast takes; anything else, and every error, is
// events.Decode's.
func decodeEvent(rec events.RecordedEvent) (events.Event, error) {
	if rec.Type == events.TypeMessagePosted {
		if m, ok := decodePostedFast(rec.Data); ok {
			return m, nil
		}
	}
	return events.Decode(rec)
}

// decodeApplied is what the projections decode events with: decodeEvent,
// except that a MessagePosted of the plain shape comes without its
// message_id, body and client_msg_id, which no projection reads (they are
// still checked, so the same data is poison). It saves copying a
// message's body out of every event, twice (read_states and deliveries).
func decodeApplied(rec events.RecordedEvent) (events.Event, error) {
	if rec.Type == events.TypeMessagePosted {
		if m, ok := decodePosted(rec.Data, false); ok {
			return m, nil
		}
	}
	return events.Decode(rec)
}

// decodePostedFast decodes one JSON object whose members are exactly the
// seven fields of events.MessagePosted, each once under its exact name:
// the strings without escapes or control characters and valid UTF-8, seq
// a JSON integer that fits uint64, sent_at a string time.Time accepts.
// For such data encoding/json yields the same value
// (decode_fast_test.go compares both over random and mutated data); any
// other data reports ok false.
func decodePostedFast(b []byte) (m events.MessagePosted, ok bool) { return decodePosted(b, true) }

// decodePosted is decodePostedFast; unless whole, it leaves MessageID,
// Body and ClientMsgID empty.
func decodePosted(b []byte, whole bool) (m events.MessagePosted, ok bool) {
	var seen uint8
	all := jsonscan.Members(b, func(key []byte, at int) (next int, ok bool) {
		var bit uint8
		if string(key) == "seq" {
			m.Seq, next, ok = jsonscan.PlainUint(b, at)
			bit = postedSeq
		} else {
			var val []byte
			if val, next, ok = jsonscan.PlainString(b, at); ok {
				bit, ok = setPostedString(&m, string(key), val, b[at:next], whole)
			}
		}
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return next, true
	})
	return m, all && seen == postedAll
}

// The fields of a MessagePosted, as bits of the set decodePostedFast saw.
const (
	postedChat = 1 << iota
	postedSeq
	postedMessage
	postedSender
	postedBody
	postedClientID
	postedSentAt
	postedAll = 1<<iota - 1
)

// setPostedString sets m's string field named key (quoted is the literal
// with its quotes, which time.Time's UnmarshalJSON takes for sent_at, as
// encoding/json gives it) and reports its bit; ok is false for an unknown
// key or a time that does not parse. Unless whole, the fields no
// projection reads are not set.
func setPostedString(m *events.MessagePosted, key string, val, quoted []byte, whole bool) (bit uint8, ok bool) {
	switch key {
	case "chat_id":
		m.ChatID = string(val)
		return postedChat, true
	case "message_id":
		if whole {
			m.MessageID = string(val)
		}
		return postedMessage, true
	case "sender":
		m.Sender = string(val)
		return postedSender, true
	case "body":
		if whole {
			m.Body = string(val)
		}
		return postedBody, true
	case "client_msg_id":
		if whole {
			m.ClientMsgID = string(val)
		}
		return postedClientID, true
	case "sent_at":
		if t, ok := parseUTCText(val); ok {
			m.SentAt = t
			return postedSentAt, true
		}
		var t time.Time
		if err := t.UnmarshalJSON(quoted); err != nil {
			return 0, false
		}
		m.SentAt = t
		return postedSentAt, true
	}
	return 0, false
}
