// Package actors holds linkup's Proto.Actor actors: one per connection, one
// per chat, one per user, and the writer that carries append requests to the
// event store. Beside each actor shell lives its pure domain logic
// (decide(state, command) → events, apply(state, event) → state), which
// replay reuses.
//
// No actor waits on storage: Receive never calls the store; append results
// come back as messages.
//
// Every queue and cache is bounded, with a metric and a defined behaviour
// at the bound:
//   - the writer's queue (WriterConfig) → `unavailable`;
//   - a chat's pending commands (maxChatPending) → `rate_limited`;
//   - a connection's fan-out backlog (maxDeliverBacklog) → slow consumer;
//   - a sync answer (Limits.SyncMessages) → the rest `truncated`;
//   - store reads waiting for the load pool (maxQueuedLoads) → `unavailable`;
//   - the deduplication window (dedupPerSender per sender per chat), the
//     ring of recent messages (recentMessages) and the page cache
//     (cachedPages per chat, maxNodePages per node) → oldest dropped;
//   - chats with no subscribed connection leave memory after
//     Config.ChatIdleAfter.
package actors
