package esdb

import (
	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/linkup-chat/linkup/events"
)

// serverFilter returns the part of f the server applies to a $all
// subscription. The server takes one filter, on stream names or on event
// types: stream prefixes win when both are set. Event types are sent as
// prefixes (the client checks exact equality after). With neither, the
// server drops system event types. Whatever the server filters, the store
// still applies visible() to every event it receives.
func serverFilter(f events.Filter) *esdb.SubscriptionFilter {
	switch {
	case len(f.StreamPrefixes) > 0:
		return &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: f.StreamPrefixes}
	case len(f.EventTypes) > 0:
		return &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Prefixes: f.EventTypes}
	default:
		return esdb.ExcludeSystemEventsFilter()
	}
}

// visible reports whether an event read from $all reaches the caller:
// not a system event, and matching the caller's filter.
func visible(f events.Filter, stream, eventType string) bool {
	return !isSystem(stream, eventType) && f.Matches(stream, eventType)
}
