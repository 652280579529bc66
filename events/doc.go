// Package events is linkup's event model: the envelope every event travels
// in, the domain event types of PROTOCOL.md section 6 with their JSON form,
// stream naming, and the Store interface that both the embedded store and
// the EventStoreDB store implement.
//
// Everything that changes state in linkup, and every error, is an event
// appended to a Store. Actors append through an asynchronous writer;
// projections and replay read the log back with ReadAll and Subscribe.
//
// Appending a typed event:
//
//	data, err := events.Encode(events.ChatCreated{ChatID: "c1", Title: "ops", Members: []string{"alice"}, CreatedBy: "alice", At: now})
//	if err != nil { ... }
//	res, err := store.Append(ctx, events.ChatStream("c1"), events.NoStream(), data)
//
// Reading it back:
//
//	for rec, err := range store.ReadStream(ctx, events.ChatStream("c1"), events.ReadStreamOptions{}) {
//		if err != nil { ... }
//		ev, err := events.Decode(rec) // ev is events.ChatCreated
//	}
//
// Encode writes the event types appended at every chat message, read,
// delivery, edit, delete and connection open or close without
// encoding/json's reflection (appendjson.go), byte for byte as
// encoding/json writes them; the other types go through encoding/json.
//
// This package imports the standard library only (and its own
// internal/jsonenc, which does too).
package events
