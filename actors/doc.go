// Package actors holds linkup's Proto.Actor actors: one per connection, one
// per chat, one per user, and the writer that carries append requests to the
// event store. Beside each actor shell lives its pure domain logic
// (decide(state, command) → events, apply(state, event) → state), which
// replay reuses.
//
// No actor waits on storage: Receive never calls the store; append results
// come back as messages.
package actors
