// Package esdb is the EventStoreDB (KurrentDB) implementation of
// events.Store, over the gRPC client github.com/EventStore/EventStore-Client-Go/v4.
//
// Mapping (both stores mean the same thing):
//
//   - A stream revision is EventStoreDB's event number (0-based).
//   - A global position is the event's commit position in $all. "After P"
//     means commit position strictly greater than P.
//   - System events (stream or event type starting with "$") never appear in
//     ReadAll, Subscribe or Head; Append refuses such names.
//   - Metadata is stored as JSON user metadata, with EventStoreDB's
//     "$correlationId"/"$causationId" beside linkup's own keys.
//
// Subscribe reads $all page by page until it reaches the end, yields the
// caught-up mark, then subscribes to $all from the last examined position
// (server-side filtered). A dropped subscription is re-opened from the last
// delivered position after a backoff, so the consumer sees no gap and no
// duplicate; a client whose connection state machine has given up is
// replaced by a fresh one.
//
// Usage:
//
//	st, err := esdb.New(esdb.Config{URL: "esdb://127.0.0.1:2113?tls=false"})
//	if err != nil { ... }
//	defer st.Close()
//	res, err := st.Append(ctx, events.ChatStream("c1"), events.NoStream(), data)
//	for d, err := range st.Subscribe(ctx, events.SubscribeOptions{}) {
//		if err != nil { return err } // ctx.Err() or events.ErrClosed
//		if d.CaughtUp { ... }
//	}
package esdb
