package embedded_test

import (
	"database/sql"
	"fmt"
	"os"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// schemaV2 is the schema of version 2 databases, as the store wrote them
// before its indexes were moved in bulk: stream_tail filled by a trigger,
// events_type_position maintained by SQLite.
const schemaV2 = `
PRAGMA journal_mode = WAL;
CREATE TABLE streams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE events (
	position INTEGER PRIMARY KEY, id TEXT NOT NULL, stream_id INTEGER NOT NULL, revision INTEGER NOT NULL,
	type TEXT NOT NULL, time INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL);
CREATE INDEX events_type_position ON events(type, position);
CREATE TABLE stream_index (
	stream_id INTEGER NOT NULL, revision INTEGER NOT NULL, position INTEGER NOT NULL,
	PRIMARY KEY (stream_id, revision)) WITHOUT ROWID;
CREATE TABLE stream_tail (position INTEGER PRIMARY KEY, stream_id INTEGER NOT NULL, revision INTEGER NOT NULL);
CREATE TRIGGER events_stream_tail AFTER INSERT ON events BEGIN
	INSERT INTO stream_tail (position, stream_id, revision) VALUES (NEW.position, NEW.stream_id, NEW.revision);
END;
PRAGMA user_version = 2;
`

// TestMigratesVersion2 writes a version 2 database as the store before
// this schema left it (entries of the older events moved into
// stream_index, the newer ones in stream_tail, two event types), opens it:
// every stream reads back whole, by stream and by type, appends continue
// at the right revision, and the database is version 3 with every event
// indexed.
func TestMigratesVersion2(t *testing.T) {
	dir := t.TempDir()
	const total, moved = 3000, 2048
	streams := []string{"chat-x", "chat-y", "chat-z"}
	writeV2(t, dir, streams, total, moved)

	st := open(t, embedded.Config{Dir: dir, PageSize: 97})
	defer st.Close()
	checkStreams(t, st, streams, total/3)
	if n := countNums(t, st, "Num"); n != total/2 {
		t.Fatalf("by type: %d events, want %d", n, total/2)
	}
	res := mustAppend(t, st, "chat-y", events.Exact(total/3-1), num(-1))
	if res.NextExpectedRevision != total/3 || res.Position != total+1 {
		t.Fatalf("append after the migration: revision %d at %d, want %d at %d", res.NextExpectedRevision, res.Position, total/3, total+1)
	}
	db := openRaw(t, dir)
	checkIndex(t, db)
	var v, mark int
	if err := db.QueryRow("SELECT (SELECT position FROM indexed), (SELECT user_version FROM pragma_user_version)").Scan(&mark, &v); err != nil {
		t.Fatal(err)
	}
	if v != 3 || mark != total {
		t.Fatalf("after the migration: version %d, watermark %d; want 3, %d", v, mark, total)
	}
	var old int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('stream_tail', 'events_stream_tail', 'events_type_position')").Scan(&old); err != nil {
		t.Fatal(err)
	}
	if old != 0 {
		t.Fatalf("%d objects of version 2 left", old)
	}
}

// TestReadsVersion2ReadOnly opens a version 2 database read-only, as a
// tool of this version does before any writer of it has migrated the
// directory: it is left as it is and reads back whole, by stream and by
// type.
func TestReadsVersion2ReadOnly(t *testing.T) {
	dir := t.TempDir()
	const total, moved = 3000, 2048
	streams := []string{"chat-x", "chat-y", "chat-z"}
	writeV2(t, dir, streams, total, moved)
	ro := open(t, embedded.Config{Dir: dir, ReadOnly: true, PageSize: 97})
	defer ro.Close()
	checkStreams(t, ro, streams, total/3)
	if n := countNums(t, ro, "Num"); n != total/2 {
		t.Fatalf("by type: %d events, want %d", n, total/2)
	}
	var v int
	if err := openRaw(t, dir).QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != 2 {
		t.Fatalf("read-only open left version %d (%v), want 2", v, err)
	}
}

// countNums reads the events of type typ in order, checking each is the
// next even num, and returns how many.
func countNums(t *testing.T, st events.Store, typ string) int {
	t.Helper()
	n := 0
	for rec, err := range st.ReadAll(ctxT(t), events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{typ}}}) {
		if err != nil {
			t.Fatal(err)
		}
		if want := string(num(2 * n).Data); string(rec.Data) != want {
			t.Fatalf("by type: event %d is %s, want %s", n, rec.Data, want)
		}
		n++
	}
	return n
}

// writeV2 creates a version 2 database of total events, round robin over
// streams, typed Num and Other in turn; the first moved events' entries
// are in stream_index, the rest in stream_tail.
func writeV2(t *testing.T, dir string, streams []string, total, moved int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+embedded.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schemaV2); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range streams {
		if _, err := tx.Exec("INSERT INTO streams (id, name) VALUES (?, ?)", i+1, s); err != nil {
			t.Fatal(err)
		}
	}
	for i := range total {
		typ := "Num"
		if i%2 == 1 {
			typ = "Other"
		}
		_, err := tx.Exec("INSERT INTO events VALUES (?, ?, ?, ?, ?, 0, ?, '{}')",
			i+1, fmt.Sprintf("id-%d", i), i%len(streams)+1, i/len(streams), typ, string(num(i).Data))
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		"INSERT INTO stream_index SELECT stream_id, revision, position FROM stream_tail WHERE position <= ?",
		"DELETE FROM stream_tail WHERE position <= ?",
	} {
		if _, err := tx.Exec(q, moved); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
