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

// schemaVersion is stored in PRAGMA user_version.
const schemaVersion = 2

// indexLag is how many events may sit in stream_tail before the writer
// moves them, in bulk, into stream_index inside its next transaction.
// Indexing per commit dirtied one index page per stream touched; indexing
// in bulk dirties that page once per indexLag events. Stream reads scan
// stream_tail (at most indexLag plus one batch of 16-byte rows).
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
CREATE INDEX IF NOT EXISTS events_type_position ON events(type, position);
CREATE TABLE IF NOT EXISTS stream_index (
	stream_id INTEGER NOT NULL,
	revision  INTEGER NOT NULL,
	position  INTEGER NOT NULL,
	PRIMARY KEY (stream_id, revision)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stream_tail (
	position  INTEGER PRIMARY KEY,
	stream_id INTEGER NOT NULL,
	revision  INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS events_stream_tail AFTER INSERT ON events BEGIN
	INSERT INTO stream_tail (position, stream_id, revision)
	VALUES (NEW.position, NEW.stream_id, NEW.revision);
END;
PRAGMA user_version = 2;
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
	if err := checkWritable(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", Path(dir), err)
	}
	if _, err := db.ExecContext(ctx, schemaSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: create schema in %s: %w", Path(dir), err)
	}
	return db, nil
}

// openReaderDB opens the pool of read connections.
func openReaderDB(ctx context.Context, dir string, conns int) (*sql.DB, error) {
	path := Path(dir)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("embedded: open %s: %w", path, ErrNoStore)
	}
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := checkSchema(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("embedded: open %s: %w", path, err)
	}
	return db, nil
}

// checkWritable refuses a database of another schema version (0 is a new,
// empty database).
func checkWritable(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v != 0 && v != schemaVersion {
		return fmt.Errorf("%w: schema version %d, want %d", ErrNoStore, v, schemaVersion)
	}
	return nil
}

func checkSchema(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v != schemaVersion {
		return fmt.Errorf("%w: schema version %d, want %d", ErrNoStore, v, schemaVersion)
	}
	return nil
}
