package events

import "encoding/json"

// ObjectData reports whether ev.Data is a JSON object, as every store
// requires of an event's data. Data that Encode wrote, still the very
// slice it returned, is one by construction and is not parsed again:
// json.Valid took most of what a store checks per append (about 3 µs of
// a chat message's 3.5). Data changed in place after Encode is not
// noticed: event data must not be modified once made.
func ObjectData(ev EventData) bool {
	if len(ev.Data) > 0 && len(ev.encoded) == len(ev.Data) && &ev.encoded[0] == &ev.Data[0] {
		return true
	}
	for _, c := range ev.Data {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return json.Valid(ev.Data)
		}
		return false
	}
	return false
}
