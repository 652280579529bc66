package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// schemaVersion is stored in PRAGMA user_version. Version 2 databases
// (stream_tail filled by a trigger, events_type_position maintained by
// SQLite at every insert) are migrated when a writer opens them
// (migrateSQL); version 1 is refused.
const schemaVersion = 3

// indexLag is how many events may sit past the indexed watermark before
// the writer moves their entries, in bulk, into stream_index and
// type_index, over its next transactions (index.go). Indexing per commit
// dirtied one index page per stream touched and one page of the type
// index; indexing in bulk dirties each once per indexLag events. Reads
// scan the unindexed events (at most indexLag plus a move's span).
const indexLag = 2048

const schemaSQL = `
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS streams (
	id   INTEGER PRIMARY KEY,
	name TEXT    NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS events (
	position  INTEGER PRIMARY KEY,
	id        TEXT    NOT NULL,
	stream_id INTEGER NOT NULL,
	revision  INTEGER NOT NULL,
	type      TEXT    NOT NULL,
	time      INTEGER NOT NULL,
	data      TEXT    NOT NULL,
	metadata  TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS stream_index (
	stream_id INTEGER NOT NULL,
	revision  INTEGER NOT NULL,
	position  INTEGER NOT NULL,
	PRIMARY KEY (stream_id, revision)
) WITHOUT ROWID;
` + indexTablesSQL + `
INSERT OR IGNORE INTO indexed (id, position) VALUES (0, 0);
PRAGMA user_version = 3;
`

// indexTablesSQL creates the tables schema version 3 added.
const indexTablesSQL = `
CREATE TABLE IF NOT EXISTS type_index (
	type     TEXT    NOT NULL,
	position INTEGER NOT NULL,
	PRIMARY KEY (type, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS indexed (
	id       INTEGER PRIMARY KEY CHECK (id = 0),
	position INTEGER NOT NULL
);`

// migrateSQL turns a version 2 database into version 3, in one
// transaction: stream_tail's entries join stream_index, the type index
// becomes a table filled from the old index (in its key order), every
// event is indexed, and the trigger, stream_tail and the old index go.
const migrateSQL = `
BEGIN IMMEDIATE;
` + indexTablesSQL + `
INSERT OR IGNORE INTO stream_index (stream_id, revision, position)
	SELECT stream_id, revision, position FROM stream_tail;
INSERT OR IGNORE INTO type_index (type, position)
	SELECT type, position FROM events INDEXED BY events_type_position ORDER BY type, position;
INSERT OR REPLACE INTO indexed (id, position) VALUES (0, (SELECT COALESCE(MAX(position), 0) FROM events));
DROP TRIGGER IF EXISTS events_stream_tail;
DROP TABLE IF EXISTS stream_tail;
DROP INDEX IF EXISTS events_type_position;
PRAGMA user_version = 3;
COMMIT;
`

// eventColumns are the columns of events, in insert order.
const eventColumns = `position, id, stream_id, revision, type, time, data, metadata`

// selectColumns are eventColumns as reads select them (scanner.scan's
// order): data as a BLOB, so the driver hands over bytes with no string in
// between.
const selectColumns = `position, id, stream_id, revision, type, time, CAST(data AS BLOB), metadata`

// dsn builds the driver's data source name for the database file.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		q.Add("mode", "ro")
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "synchronous(FULL)")
		// No automatic checkpoint inside a COMMIT: the checkpointer
		// runs them on its own connection (checkpoint.go).
		q.Add("_pragma", "wal_autocheckpoint(0)")
		// The statement journal of a multi-row INSERT stays in memory
		// instead of spilling to a temporary file (it was a third of the
		// writer's CPU), and the hot index pages stay cached.
		q.Add("_pragma", "temp_store(memory)")
		q.Add("_pragma", "cache_size(-65536)")
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs // a relative path would be read as the URI's authority
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// openWriterDB opens (creating if needed) the database for writing and
// makes sure the schema exists.
func openWriterDB(ctx context.Context, dir string) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", dir, err)
	}
	db, err := sql.Open("sqlite", dsn(Path(dir), false))
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", Path(dir), err)
	}
	db.SetMaxOpenConns(1)
	v, err := checkWritable(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", Path(dir), err)
	}
	if v == 2 {
		if _, err := db.ExecContext(ctx, migrateSQL); err != nil {
			db.ExecContext(ctx, "ROLLBACK")
			db.Close()
			return nil, fmt.Errorf("embedded: migrate schema of %s to version %d: %w", Path(dir), schemaVersion, err)
		}
	}
	if _, err := db.ExecContext(ctx, schemaSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: create schema in %s: %w", Path(dir), err)
	}
	return db, nil
}

// openReaderDB opens the pool of read connections and returns the
// database's schema version: 2 (read-only, before a writer migrated it)
// or schemaVersion.
func openReaderDB(ctx context.Context, dir string, conns int) (*sql.DB, int, error) {
	path := Path(dir)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("embedded: open %s: %w", path, ErrNoStore)
	}
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, 0, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	v, err := checkSchema(ctx, db)
	if err != nil {
		db.Close()
		return nil, 0, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	return db, v, nil
}

// checkWritable returns the database's schema version and refuses all but
// the current one, 2 (migrated) and 0 (a new, empty database).
func checkWritable(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, err
	}
	if v != 0 && v != 2 && v != schemaVersion {
		return 0, fmt.Errorf("%w: schema version %d, want %d", ErrNoStore, v, schemaVersion)
	}
	return v, nil
}

// checkSchema returns the version of a database to read: the current
// one, or 2 (a writer migrates it when it opens it; until then it is read
// with version 2's queries, legacy.go).
func checkSchema(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, err
	}
	if v != 2 && v != schemaVersion {
		return 0, fmt.Errorf("%w: schema version %d, want %d", ErrNoStore, v, schemaVersion)
	}
	return v, nil
}
