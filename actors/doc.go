// Package actors holds linkup's Proto.Actor actors: one per connection, one
// per chat, one per user, and the writer that carries append requests to the
// event store. The chat actor is a shell around package chat: it queues
// commands, hands each batch to chat.Decide, appends the Ready's events
// through the writer and, once they are durable, calls State.Advance and
// sends the replies and deliveries. Replay and the projections use the same
// package, so no domain rule is written here.
//
// No actor waits on storage: Receive never calls the store; append results
// come back as messages.
//
// Proto.Actor mailboxes are unbounded; what may enter them is bounded before
// it is sent (client frames by the rate limits, chat commands by the pending
// queue, fan-out by credits: each chat counts the items a connection has not
// acknowledged yet, chat_backlog.go). Every queue and
// cache is bounded, with a metric and a defined behaviour at the bound:
//   - the writer's queue (WriterConfig) → `unavailable`;
//   - a chat's pending commands (maxChatPending) → `rate_limited`;
//   - a connection's unacknowledged fan-out items from one chat
//     (maxDeliverBacklog) → slow consumer; presence frames
//     (maxDeliverBacklog, counted by its user actor) → dropped;
//   - a sync answer (Limits.SyncMessages) → the rest `truncated`;
//   - store reads waiting for the load pool (maxQueuedLoads) → `unavailable`;
//   - the deduplication window (chat.DedupPerSender per sender per chat), the
//     ring of recent messages (recentMessages) and the page cache
//     (cachedPages per chat, maxNodePages per node) → oldest dropped;
//   - chats with no subscribed connection leave memory after
//     Config.ChatIdleAfter;
//   - error events: 1 KiB of client text each, one per client frame, 10 a
//     second per connection (the excess in one errors_suppressed summary a
//     second, linkup_error_events_suppressed_total);
//   - a sync_request names at most MaxSyncChats chats; the chats it names
//     that the user is not in are answered by one not_member error;
//   - live items held on a new connection until its first frame
//     (Config.SyncWait; half of Limits.SyncMessages) → released at once, or
//     during a first sync, the chat reported truncated; the seqs a
//     connection has received per chat (maxSeenSpans runs) → lowest joined;
//   - chat creation (Limits.ChatsPerSecond → `rate_limited`) and the chats
//     a user belongs to (Limits.ChatsPerUser → `invalid_payload`),
//     linkup_chat_limit_refusals_total.
package actors
