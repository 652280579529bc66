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
// Actors share nothing they write: messages between them are values
// (messages_test.go), and node-wide state is a view with one owner, an
// actor that alone changes it, told by messages. The views actors read
// (directory, presence) are published as immutable versions that readers
// load without a lock (an atomic pointer to a value never changed after it
// is stored):
//   - the directory of who is in which chat (directory*.go): the owner
//     applies the node's own membership changes when their appends are
//     durable, before their chat hears of it, and every node's as the log
//     follower reads them; versions are persistent hash tries
//     (benbjohnson/immutable), so a change costs O(log n) and a read (list_chats,
//     sync, presence) one atomic load and a lookup. The other design, user
//     actors owning their user's chats and connections asking them, would
//     put a round trip before every list_chats and sync, start and load the
//     user actors of offline members on every create_chat (its per-user
//     limit), and leave presence's audience (each chat's members) with no
//     one to ask;
//   - the presence book (presence.go), told by each user actor its user's
//     presence here and by the log follower other nodes' connections
//     (follow_presence.go); the owner publishes a change, then sends the
//     `presence` frames;
//   - the history page budget (chat_pages_owner.go), told by each chat the
//     pages it keeps and drops, which evicts past the node's bound.
//
// Each node derives its own views from the log, so none of this is shared
// between the nodes of a cluster.
//
// Proto.Actor mailboxes are unbounded; what may enter them is bounded before
// it is sent (client frames by the rate limits, chat commands by the pending
// queue, fan-out by credits: each chat counts the items a connection has not
// acknowledged yet, chat_backlog.go). Every queue and
// cache is bounded, with a metric and a defined behaviour at the bound:
//   - the writer's queue (WriterConfig) → `unavailable`;
//   - a chat's pending commands (maxChatPending) → `rate_limited`;
//   - a chat's appends in flight (maxChatFlights over a store that takes
//     them in order, one past maxSpecItems items or elsewhere) → the
//     commands gather into the next batch, linkup_chat_flights_full_total;
//   - a connection's unacknowledged fan-out items from one chat
//     (maxDeliverBacklog) → slow consumer; presence frames
//     (maxDeliverBacklog, counted by its user actor) → dropped;
//   - a sync answer (Limits.SyncMessages) → the rest `truncated`;
//   - store reads waiting for the load pool (maxQueuedLoads) → `unavailable`;
//   - the deduplication window (chat.DedupPerSender per sender per chat), the
//     ring of recent messages (recentMessages) and a chat's page cache
//     (cachedPages) → oldest dropped;
//   - the history pages of all chats of a node (maxNodePages, kept by the
//     page budget's owner, linkup_history_pages_cached) → the node's
//     oldest kept pages, of any chat, evicted by message (pageEvict); a
//     chat keeps a page before the owner hears of it, so the node may pass
//     the bound by the page reads completing meanwhile (the load pool's);
//   - the directory follower's changes waiting for the directory's owner →
//     one (the follower waits for each to be applied);
//   - the marks of where a chat's recent items stand in the log
//     (maxSeqMarks, chat_marks.go), from which an attaching connection is
//     caught up on what was stored after it was accepted → the newest
//     maxSeqMarks items, the rest by the client's sync,
//     linkup_attach_catchups_short_total;
//   - chats with no subscribed connection leave memory after
//     Config.ChatIdleAfter;
//   - error events: 1 KiB of client text each, one per client frame, 10 a
//     second per connection (the excess in one errors_suppressed summary a
//     second, linkup_error_events_suppressed_total);
//   - a sync_request names at most MaxSyncChats chats; the chats it names
//     that the user is not in are answered by one not_member error; of
//     those the node's directory does not list for the user (its log
//     follower may be behind), at most maxSyncProbes are asked of their
//     chat first (connection_sync_probe.go, linkup_sync_probes_total);
//   - requests a chat holds for a read of its stream begun after they
//     were sent (a sync past its latest seq, a member check; chat_fresh.go;
//     maxFreshWaiting) → `rate_limited`;
//   - live items held on a new connection until its first frame
//     (Config.SyncWait; half of Limits.SyncMessages) → released at once, or
//     during a first sync, the chat reported truncated; the seqs a
//     connection has received per chat (maxSeenSpans runs) → lowest joined;
//     its own seqs acked before their items came (maxAhead per chat) →
//     lowest forgotten, linkup_own_seqs_forgotten_total;
//   - chat creation (Limits.ChatsPerSecond → `rate_limited`) and the chats
//     a user belongs to (Limits.ChatsPerUser → `invalid_payload`),
//     linkup_chat_limit_refusals_total.
package actors
