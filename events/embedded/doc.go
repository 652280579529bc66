// Package embedded is linkup's default events.Store: one SQLite database
// file (modernc.org/sqlite, pure Go) in a data directory, durable
// (WAL, synchronous=FULL) and readable by other processes while the server
// writes.
//
// Opening, appending, reading:
//
//	st, err := embedded.Open(embedded.Config{Dir: "./linkup-data"})
//	if err != nil { ... }
//	defer st.Close()
//	res, err := st.Append(ctx, events.ChatStream("c1"), events.NoStream(), data)
//	for rec, err := range st.ReadAll(ctx, events.ReadAllOptions{}) { ... }
//
// A tool beside a running server opens the same directory with
// Config{Dir: dir, ReadOnly: true}; its Append returns events.ErrReadOnly and
// its subscriptions poll for new events every PollInterval.
//
// # Writing
//
// One writer goroutine owns the only write connection. Append checks and
// encodes its events in the caller's goroutine, then queues them (a bounded
// queue: full means events.ErrOverloaded at once). The writer gathers up to
// MaxBatch queued appends, checks each expected revision against an
// in-memory cache of stream heads (an append that conflicts fails alone,
// nothing of it is written), inserts the rest with multi-row INSERTs in one
// transaction and answers every caller after the COMMIT: one fsync per
// batch. Only one writable Store may use a directory at a time; an
// advisory lock on <Dir>/events.db.lock enforces it (ErrLocked).
//
// # Schema
//
// Analysts may open <Dir>/events.db with sqlite3 (read-only, please):
//
//	CREATE TABLE events (
//	    position INTEGER PRIMARY KEY, -- global position, 1, 2, 3, ... (no gaps here)
//	    id       TEXT    NOT NULL UNIQUE, -- event id, a UUID
//	    stream   TEXT    NOT NULL,    -- "chat-<id>", "connection-<id>", "errors"
//	    revision INTEGER NOT NULL,    -- 0-based, gap-free within the stream
//	    type     TEXT    NOT NULL,    -- "MessagePosted", ...
//	    time     INTEGER NOT NULL,    -- commit time, Unix nanoseconds (UTC)
//	    data     TEXT    NOT NULL,    -- the event as a JSON object
//	    metadata TEXT    NOT NULL     -- events.Metadata as JSON ({} when empty)
//	);
//	CREATE UNIQUE INDEX events_stream_revision ON events(stream, revision);
//	CREATE INDEX events_type_position ON events(type, position);
//
// PRAGMA user_version holds the schema version (1). For example:
//
//	SELECT datetime(time / 1e9, 'unixepoch'), json_extract(data, '$.body')
//	FROM events WHERE type = 'MessagePosted' ORDER BY position DESC LIMIT 10;
//
// # Limits
//
// MaxBatch appends per transaction, QueueSize pending appends, MaxEventBytes
// per event, PageSize events (and about 4 MiB) per read query, ReadConns
// read connections. Metrics (namespace linkup_embedded_store): append batch
// size and latency histograms, queue depth, overloads, events appended.
package embedded
