// Package projections turns the event log into the read model analysts
// query: the error log (every ErrorRecorded, with hourly counts), users'
// read states per chat and (v1.1) the delivery audit of each timeline item
// (GET /v1/deliveries). It imports chat (every domain rule it applies,
// unread included, is chat's), events, and protocol: its queries answer
// the /v1 API in the wire's own row types (protocol/query.go), declared
// once. The read model sits behind
// the ReadModel interface, with two implementations of the same tables and
// behaviour: SQLite (readmodel_sqlite*.go, the default) and PostgreSQL
// (readmodel_postgres*.go, pgx, versioned migrations in pgmigrations/).
// docs/READMODEL.md lists every table and column of both.
//
// Running the projections beside a server:
//
//	rm, err := projections.OpenSQLite(projections.SQLiteConfig{Path: filepath.Join(dataDir, "readmodel.db")})
//	// or: rm, err := projections.OpenPostgres(ctx, projections.PostgresConfig{URL: "postgres://..."})
//	if err != nil { ... }
//	r, err := projections.NewRunner(projections.Config{Store: store, ReadModel: rm, Registerer: reg})
//	if err != nil { ... }
//	go r.Run(ctx) // until ctx is cancelled
//	page, err := rm.Errors(ctx, projections.ErrorQuery{ErrorType: "invalid_payload", Limit: 50})
//
// Rebuilding one projection from position zero (also while a runner, in
// this process or in the server, keeps going):
//
//	res, err := projections.Rebuild(ctx, projections.RebuildConfig{Store: store, ReadModel: rm, Projection: projections.ReadStates{}})
//
// # Delivery guarantees
//
// Each projection follows a catch-up subscription from its checkpoint.
// Deliveries wait in a bounded queue (Config.QueueSize; when full the
// subscription waits) and are applied in batches of up to Config.BatchSize,
// paced: a transaction starts at least Config.BatchDelay after the previous
// one ended, so an event after a quiet spell commits at once and a busy log
// is applied in few large transactions, leaving the CPU to the live path in
// between. Pacing lets the lag grow only to Config.MaxLagEvents and
// Config.MaxLag; past either, full batches commit back to back. Inside a
// batch the runner leaves the CPU to the live path too (runner_yield.go):
// it yields its core (runtime.Gosched) every 32 handled events and between
// the flush's statements, and a paced batch (caught up, within the bounds)
// sleeps 1 ms after each 1 ms of apply, so that a second's events take at
// most half a core while they apply instead of one core in one burst;
// batches past a bound, and catch-up, run at full speed. A batch's
// rows and its new checkpoint commit in one transaction, so a crash
// neither loses nor doubles an event. Inside that transaction the runner
// reads the committed checkpoint again and skips every delivery at or below
// it, which makes handlers idempotent by global position (a replayed batch,
// or a checkpoint a rebuild moved forward, changes nothing).
//
// The SQLite read model commits with synchronous=NORMAL in WAL mode: no
// fsync per commit, only at its WAL checkpoints (every 8,192 pages). A
// process crash loses nothing committed; a power loss may take the last
// commits back, and rows and checkpoint still go back together, so the
// runner projects those events again from the log. The read model is
// rebuildable from the log; the event store, which is not, syncs every
// commit. So the read model's writes do not compete with the store's
// fdatasync on every commit.
//
// # Row cache (SQLite)
//
// The SQLite read model keeps, per table set, the rows its transactions
// read and wrote (chats' latest seqs, members' pointers, delivery chats,
// users' highest marks) across transactions, so a live batch reads each
// row from SQL once per process rather than once per transaction. Only
// committed rows enter it; it is emptied when the committed checkpoint or
// PRAGMA data_version (another process wrote the file) differs from what
// it was last true at, on a swap or drop of the projection's tables, and
// past SQLiteConfig.CacheRows rows (default 50,000):
// linkup_projection_cache_rows, linkup_projection_cache_resets_total.
// PostgreSQL has no cache across transactions: several processes write
// it in turns (a cluster), and it reads a chat's rows in one query.
//
// # Rebuild
//
// Rebuild creates a fresh table set (tables suffixed __r<nanos>, without
// secondary indexes), projects the log into it in batches, builds the
// indexes, then in one write transaction catches the set up to at least the
// live checkpoint, drops the live tables and renames the set in, checkpoint
// and poison records included. Readers (WAL) answer from the old tables
// until that commit. PostgreSQL does the same with tables made LIKE the
// live ones, takes the live tables' locks only for the renames (bounded
// attempts), and carries grants over. The result equals the live projection row for row
// (testdata/script.golden holds the scripted case).
//
// # Poison events
//
// An event a projection cannot apply (data that does not decode, an
// ErrorRecorded without error_type, a message in a chat never created, a
// read by a non-member, seq 0) is poison. Policy: record it in
// projection_poison (projection, position, stream, type, reason) in the
// same transaction, count it (linkup_projection_poison_events_total and
// "poisoned" in /v1/projections), log a warning, and go on with the next
// event. It is not retried; a rebuild evaluates it again. Any other error
// (the database) aborts the batch; the runner logs it, counts it
// (linkup_projection_failures_total) and resubscribes from the checkpoint
// after Config.RetryDelay, forever: it never skips an event it could not
// store.
//
// # Lag
//
// Under a steady load the read model trails the log by up to BatchDelay
// (1 s by default) plus a commit: in the many-small-chats load at 2,000
// events/s, transactions of about 1,700 events and a mean
// append-to-commit lag of 0.57 s (0.18 s at the former 250 ms pace, for
// about 40 % more projection CPU per event).
//
// Status reports, per projection, head - checkpoint and the age of the
// oldest unprojected event; the runner samples them every
// Config.LagInterval into linkup_projection_lag_events and
// linkup_projection_lag_seconds, and observes each live event's
// append-to-commit time in linkup_projection_event_lag_seconds.
//
// # Tables (readmodel.db; PostgreSQL: docs/READMODEL.md)
//
// Open it read-only with `sqlite3 -readonly <data>/readmodel.db`. Times are
// UTC text, fixed width (2026-11-25T10:00:00.000000000Z), so text order is
// time order.
//
//	error_log (id INTEGER PRIMARY KEY,  -- global position of the ErrorRecorded
//	           error_type, message, severity, user, connection_id, -- "" when unknown
//	           context TEXT,            -- JSON object
//	           at TEXT)                 -- the event's at (store time if absent)
//	    indexes (error_type, id), (severity, id), (user, id), (connection_id, id), (at)
//	error_hourly (error_type, hour, count)  -- hour = at truncated to the hour
//	chats (chat_id PRIMARY KEY, latest_seq) -- highest MessagePosted.seq
//	read_states (chat_id, user, last_read_seq, PRIMARY KEY (chat_id, user))
//	    index (user, chat_id); one row per member from ChatCreated.members
//	read_state_view (user, chat_id, last_read_seq, latest_seq, uncounted_above)
//	    -- the inputs of unread, which ReadStates computes with chat.UnreadItems
//	delivery_chats (chat_id PRIMARY KEY)    -- deliveries: chats from ChatCreated
//	delivery_items (chat_id, seq, posted_at, reader)  -- a VIEW, one row per item
//	    -- every timeline item; posted_at = the event's sent_at / at;
//	    -- reader = the sender when the item holds their read mark (below)
//	delivery_item_runs (id INTEGER PRIMARY KEY, chat_id, first_seq, last_seq, items)
//	    unique index (chat_id, first_seq)
//	    -- what the view reads: the fresh items of a chat one transaction
//	    -- added (at most 16), items a JSON array of [seq, posted_at] or
//	    -- [seq, posted_at, reader] in seq order; a chat's runs cover
//	    -- disjoint seq ranges first_seq..last_seq
//	delivery_members (chat_id, user, joined_seq, left_seq, PRIMARY KEY (chat_id, user, joined_seq))
//	    -- a membership: member at seq N when joined_seq <= N and
//	    -- (left_seq IS NULL OR left_seq > N); joined_seq 0 from ChatCreated
//	delivery_marks (chat_id, user, kind, up_to, at, connection_id,
//	                PRIMARY KEY (chat_id, user, kind, up_to))
//	    -- kind 'delivered' (MessagesDelivered; connection_id set) or 'read'
//	    -- (ChatRead, or the user's own message; connection_id ''): only
//	    -- the events that raised the user's highest up_to, so the first
//	    -- mark with up_to >= N is the first event covering item N. A read
//	    -- by the user's own message less than 128 seqs above their
//	    -- previous read row is not a row here: its item holds it
//	    -- (delivery_items.reader = user, up_to = seq, at = posted_at)
//	projection_checkpoints (name PRIMARY KEY, position, updated_at)
//	projection_poison (name, position, stream, event_type, reason, recorded_at)
//
// For example, errors of one user yesterday:
//
//	SELECT id, error_type, at FROM error_log
//	WHERE user = 'bob' AND at >= '2026-11-24T00:00:00' AND at < '2026-11-25T00:00:00' ORDER BY id DESC;
//
// and when bob's devices first confirmed item 12 of chat ops:
//
//	SELECT at, connection_id FROM delivery_marks
//	WHERE chat_id = 'ops' AND user = 'bob' AND kind = 'delivered' AND up_to >= 12 ORDER BY up_to LIMIT 1;
//
// and when bob first read it (his read rows and the items holding his
// reads):
//
//	SELECT at FROM (SELECT up_to, at FROM delivery_marks WHERE chat_id = 'ops' AND user = 'bob' AND kind = 'read'
//	    UNION ALL SELECT seq, posted_at FROM delivery_items WHERE chat_id = 'ops' AND reader = 'bob')
//	WHERE up_to >= 12 ORDER BY up_to LIMIT 1;
package projections
