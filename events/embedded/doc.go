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
// transaction and answers every caller after the COMMIT: one sync of the
// WAL per batch (synchronous=FULL; with fdatasync(2), as SQLite's own
// Linux builds do, unless Config.SyncWithFsync). AppendAsync is Append
// with a callback instead of a wait: the writer calls it after the commit,
// so a caller with many appends in flight needs no goroutine per append.
// While appends arrive at least three per CommitWindow (default 0.5 ms) and
// a quarter of them land during a commit, the writer holds a batch open
// for up to CommitWindow (ending early once the appends the arrival rate
// promises are in, at most CommitWindowAppends) before its transaction, so
// each commit carries more appends for less CPU per append; a lone append,
// or callers that each wait for their commit, never wait (window.go).
// Only one writable Store may use a directory at a time; an
// advisory lock on <Dir>/events.db.lock enforces it (ErrLocked).
//
// # Subscriptions
//
// After each commit the writer puts the batch's events, with their
// positions, into the feed: a ring of the most recent commits in memory,
// shared by every subscription and bounded by LiveEvents and LiveBytes.
// A subscription takes new events from it without touching SQLite; one
// whose position is older than the ring's oldest event (at the start, or
// after falling behind) reads the store up to the head, then takes the
// feed again: both are addressed by position, so nothing is skipped or
// repeated. Subscriptions are woken after each commit.
//
// # Schema
//
// Analysts may open <Dir>/events.db with sqlite3 (read-only, please):
//
//	CREATE TABLE streams (
//	    id   INTEGER PRIMARY KEY,      -- small integer standing for the name
//	    name TEXT    NOT NULL UNIQUE   -- "chat-<id>", "connection-<id>", "errors"
//	);
//	CREATE TABLE events (
//	    position  INTEGER PRIMARY KEY, -- global position, 1, 2, 3, ... (no gaps here)
//	    id        TEXT    NOT NULL,    -- event id, a UUID (not unique: see below)
//	    stream_id INTEGER NOT NULL,    -- streams.id
//	    revision  INTEGER NOT NULL,    -- 0-based, gap-free within the stream
//	    type      TEXT    NOT NULL,    -- "MessagePosted", ...
//	    time      INTEGER NOT NULL,    -- commit time, Unix nanoseconds (UTC)
//	    data      TEXT    NOT NULL,    -- the event as a JSON object
//	    metadata  TEXT    NOT NULL     -- events.Metadata as JSON ({} when empty)
//	);
//	CREATE TABLE stream_index (        -- (stream, revision) -> position
//	    stream_id INTEGER, revision INTEGER, position INTEGER,
//	    PRIMARY KEY (stream_id, revision)
//	) WITHOUT ROWID;
//	CREATE TABLE type_index (          -- (type, position), for reads by type
//	    type TEXT, position INTEGER, PRIMARY KEY (type, position)
//	) WITHOUT ROWID;
//	CREATE TABLE indexed (             -- one row: the indexes' watermark
//	    id INTEGER PRIMARY KEY CHECK (id = 0), position INTEGER
//	);
//
// The two indexes hold every event up to indexed.position; the newer
// events (the tail, a few thousand at most) are indexed by nothing but
// their position, so a commit writes only the events table's last page:
// an index on the events table, or a trigger filling a tail table, wrote
// one more 4 KiB page each per commit and took half of a one-event
// commit's CPU. Once a couple of thousand events have gathered past the
// watermark, the writer moves their entries into the indexes, a few
// hundred per transaction (stream entries in key order, then type
// entries, then the watermark), so that no transaction carries the whole
// move and each stream's index page is written about once per move. It
// does so in transactions of their own while no append is queued (they
// carry no event, so they commit without a sync of their own: idle.go),
// and inside the appends' commits only once 3,072 events have gathered
// (appends leaving the writer no idle moment).
// Reads select events by position IN (the index UNION ALL the events past
// the watermark), so an event both indexed and past it is read once.
// Indexing (stream, revision) at every commit wrote one 4 KiB index page
// per stream touched and capped appends at about 20,000 events/s. Event
// ids carry no unique index: the Store contract does not make appends
// idempotent by id, and a unique index cost a page write per commit; an
// append reusing an id is stored again.
//
// PRAGMA user_version holds the schema version (3). A writable Open
// migrates a version 2 database (stream_tail and its trigger, an index on
// events(type, position)) in one transaction; a ReadOnly one reads it as
// it is (legacy.go). Version 1 databases, which had the stream name in
// events, are refused with ErrNoStore. For example:
//
//	SELECT datetime(e.time / 1e9, 'unixepoch'), s.name, json_extract(e.data, '$.body')
//	FROM events e JOIN streams s ON s.id = e.stream_id
//	WHERE e.type = 'MessagePosted' ORDER BY e.position DESC LIMIT 10;
//
// and one stream's events, through its index and the tail:
//
//	SELECT revision, type, data FROM events WHERE position IN (
//	    SELECT position FROM stream_index WHERE stream_id = (SELECT id FROM streams WHERE name = 'chat-c1')
//	    UNION ALL
//	    SELECT position FROM events WHERE position > (SELECT position FROM indexed)
//	        AND stream_id = (SELECT id FROM streams WHERE name = 'chat-c1')
//	) ORDER BY position;
//
// # Limits
//
// MaxBatch appends per transaction, QueueSize pending appends, MaxEventBytes
// per event, PageSize events (and about 4 MiB) per read query, ReadConns
// read connections, LiveEvents (and LiveBytes of data) in the feed,
// MaxWALPages pages in the WAL, 8,192 events (plus one commit's) past the
// indexes' watermark, 256 index entries moved per transaction (or 4 per
// event of a larger commit), CommitWindow (at most 10 ms) of wait per batch.
// Metrics (namespace linkup_embedded_store): append batch size and latency
// histograms, the transactions' time (commit_seconds), the batches held
// open by the commit window and their wait (commit_waits_total,
// commit_wait_seconds), queue depth,
// overloads, events appended; events past the indexes' watermark, index
// entries moved per transaction, the move's steps between appends, and
// moves forced whole by the tail's bound; checkpoints and their time by who ran them,
// checkpoint failures, pages in the WAL; events handed to subscriptions
// from the feed and from the store, fallbacks to the store of caught-up
// subscriptions, and the feed's size.
package embedded
