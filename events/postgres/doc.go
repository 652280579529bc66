// Package postgres is an events.Store over PostgreSQL (pgx/v5), for
// deployments that already run PostgreSQL or want several linkup processes
// on one log.
//
//	st, err := postgres.Open(ctx, postgres.Config{URL: "postgres://linkup:secret@db:5432/linkup"})
//	if err != nil { ... }
//	defer st.Close()
//	res, err := st.Append(ctx, events.ChatStream("c1"), events.NoStream(), data)
//
// Tools open it with ReadOnly: the schema is checked, never written, and
// Append returns events.ErrReadOnly.
//
// # Schema
//
// Open creates the schema, or migrates it, from SQL files embedded in the
// binary (migrations/NNNN_*.sql), in one transaction under an advisory
// lock; the version lives in table linkup_event_log_schema. A database
// whose version is newer than this binary knows is refused with
// ErrSchemaTooNew and a message saying which versions. Version 1:
//
//	CREATE TABLE linkup_events (
//	    position bigint PRIMARY KEY,       -- global position 1, 2, 3, ...
//	    stream   text   NOT NULL,          -- "chat-<id>", "connection-<id>", "errors"
//	    revision bigint NOT NULL,          -- 0-based, gap-free within the stream
//	    id       uuid   NOT NULL,          -- event id (not unique, as in every store)
//	    type     text   NOT NULL,
//	    time     timestamptz NOT NULL,     -- commit time: the server's clock_timestamp() under the append lock
//	    data     text   NOT NULL,          -- JSON object, byte for byte as appended
//	    metadata text   NOT NULL,          -- events.Metadata as JSON
//	    UNIQUE (stream, revision)
//	);
//	CREATE INDEX linkup_events_type_position ON linkup_events (type, position);
//
// Tables are prefixed linkup_ so that the log can share a database with
// other things (the read model, say).
//
// # Writing: group commit
//
// As in the embedded store, Append checks and encodes its events in the
// caller's goroutine and queues them (bounded: full means
// events.ErrOverloaded at once). One writer goroutine per Store gathers up
// to MaxBatch queued appends and commits them in one transaction, in two
// round trips: (BEGIN; lock; head position; the batch's streams' last
// revisions) then (multi-row INSERTs; NOTIFY; COMMIT). With
// synchronous_commit on (PostgreSQL's default), COMMIT returns after the
// WAL is flushed, and only then are the callers answered: an acknowledged
// append survives a crash of PostgreSQL. If synchronous_commit was turned
// off for the server, database, role or in the URL, the write transaction
// turns it back on (SET LOCAL); stronger settings are kept. A batch whose connection fails
// (PostgreSQL down, restarting, the backend killed, WriteTimeout) answers
// each of its appends with an error wrapping ErrUnavailable; the pool
// reconnects by itself for the next batch. An append whose COMMIT was sent
// but not answered may or may not be stored: it is reported as failed,
// never as done.
//
// # Optimistic concurrency
//
// Expected revisions are checked against the streams' last revisions read
// inside the transaction, after the append lock is taken, so they are
// exact even with several linkup processes (several Stores) writing the
// same stream. The unique (stream, revision) constraint backs this up: a
// writer that did not take the lock could not store a duplicate revision.
// Nothing depends on an in-process lock.
//
// # Global order
//
// PostgreSQL transactions can commit in a different order than they take
// sequence numbers: with a plain sequence, a reader could see position 11
// committed while 10 is still in flight, move its cursor past 10 and never
// deliver it. linkup avoids this with a single appender lock per commit
// rather than a transaction-id high-water mark: every append transaction
// first takes the transaction-scoped advisory lock appendLockKey, then
// reads MAX(position) and numbers its events after it. PostgreSQL releases
// a transaction's locks only after its commit is durable and visible, so
// the next transaction numbers its events after every committed one and
// positions become visible strictly in order: a reader that sees position
// H sees every event at or below H that will ever exist (positions are
// also gap-free, although the contract does not need it). Event times come
// from the server's clock under the lock, so they rise with position as
// long as that clock does not step back (replay relies on it to seek by
// time). The lock
// serializes commits across processes, but group commit makes each commit
// carry a whole batch, so the cost is one WAL flush per batch per
// database, not per append. The alternative (recording pg_current_xact_id
// per row and reading only below pg_snapshot_xmin) keeps commits
// concurrent but needs an xid column and index, a second condition in
// every read, and stalls every reader behind the oldest open transaction
// in the database, including ones that are not linkup's; with one writer
// per node, batches already amortize the flush, so the lock was chosen for
// being simple and obviously right.
//
// # A frozen or vanished lock holder
//
// A process frozen (SIGSTOP, a long pause) or cut off from the network
// while its batch holds the append lock would stop every process on the
// log: PostgreSQL keeps the lock until it notices the client is gone,
// about two hours with the system's TCP keepalive, and a frozen process's
// kernel still answers keepalives. So every session of the store starts
// with idle_in_transaction_session_timeout = IdleInTransactionTimeout
// (default 5 s; the writer's transaction is idle only for the microseconds
// between its two round trips): the server ends the stalled session and
// its locks go with it, and the others append again. The stalled batch is
// rolled back with the session; when its writer wakes, the next round trip
// fails (FATAL 25P03, or the closed connection) and each of its appends
// gets ErrUnavailable, never a success, since the COMMIT was never
// received. The dead connection is closed and the pool connects afresh
// for the next batch.
//
// Waiting for the lock is bounded too: each append transaction sets
// lock_timeout = LockTimeout (SET LOCAL; default 8 s, at most 4/5 of
// WriteTimeout), longer than IdleInTransactionTimeout so that appenders
// queued behind a stalled holder get the lock once the server drops it.
// Past it the server cancels the wait (lock_not_available) and the batch
// fails with ErrUnavailable, "the append lock was not granted within ...":
// retryable, nothing stored. The bound is the server's rather than only
// WriteTimeout's because a client that gives up by itself closes its
// connection, but the backend stays queued for the lock until it gets it.
//
// Sessions also start with server-side TCP keepalives (tcp_keepalives_idle
// 30 s, interval 10 s, count 3), so that a vanished host's idle sessions,
// the LISTEN one included, free their connection slots within about a
// minute. Any of these parameters given in the URL
// (?idle_in_transaction_session_timeout=10000) keeps the URL's value.
//
// # Subscriptions
//
// A subscription reads the head H, delivers matching events in (pos, H]
// (the filter is in SQL: stream LIKE prefix% and type = ANY), and waits.
// Each store keeps one extra connection LISTENing on channel linkup_events;
// every committed batch NOTIFYs it (inside the transaction, so only
// commits notify) and the writer also wakes local subscriptions directly.
// Notifications are only a wake-up: subscriptions also poll every
// PollInterval, so a notification lost while the LISTEN connection was
// down costs latency, never an event. When a read fails (connection
// terminated, PostgreSQL restarting), the subscription retries with a
// growing pause up to 5 s and resumes after the last event it delivered;
// the LISTEN connection reconnects the same way.
//
// # Limits and metrics
//
// MaxBatch appends per transaction (and at most 32 MiB per INSERT),
// QueueSize pending appends, MaxEventBytes per event, PageSize events per
// read query, MaxConns pooled connections plus one for LISTEN,
// WriteTimeout per batch, LockTimeout per wait for the append lock,
// IdleInTransactionTimeout per idle moment inside a transaction. Metrics (namespace linkup_postgres_store): the
// embedded store's append batch size and latency histograms, queue depth,
// overloads and events appended, plus batch failures and LISTEN
// reconnects.
//
// # Credentials
//
// The URL's password never appears in an error or log line from this
// package: errors name the server by Describe (user@host:port/db) and any
// driver message is scrubbed of the password.
package postgres
