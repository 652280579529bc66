package actors

import "github.com/linkup-chat/linkup/events"

// chatEventData encodes a chat event with the request's correlation
// (events.Encode writes the hot types, MessagePosted first, without
// reflection).
func chatEventData(ev events.Event, o origin, node string) (events.EventData, error) {
	return events.Encode(ev, events.Metadata{CorrelationID: o.Corr, CausationID: o.Corr, Node: node})
}
