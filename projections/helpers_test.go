package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/prometheus/client_golang/prometheus"
)

// backend is one read model the behaviour tests run against. A location
// is a directory (SQLite: its readmodel.db) or a database URL
// (PostgreSQL); the event log is always the embedded store.
type backend struct {
	name string
	// fresh returns the location of a new, empty read model.
	fresh func(t testing.TB) string
	// open opens the read model at loc (read-only when ro); without an
	// error it is closed when t ends.
	open func(ctx context.Context, loc string, ro bool) (ReadModel, error)
}

var sqliteBackend = backend{
	name:  "sqlite",
	fresh: func(t testing.TB) string { return t.TempDir() },
	open: func(_ context.Context, dir string, ro bool) (ReadModel, error) {
		return OpenSQLite(SQLiteConfig{Path: filepath.Join(dir, "readmodel.db"), ReadOnly: ro})
	},
}

var postgresBackend = backend{
	name:  "postgres",
	fresh: func(t testing.TB) string { return pgtest.Shared(t).NewDatabase(t) },
	open: func(ctx context.Context, url string, ro bool) (ReadModel, error) {
		return OpenPostgres(ctx, PostgresConfig{URL: url, ReadOnly: ro})
	},
}

var backends = []backend{sqliteBackend, postgresBackend}

func backendNamed(name string) backend {
	for _, b := range backends {
		if b.name == name {
			return b
		}
	}
	panic("no backend " + name)
}

// forEachBackend runs fn as one subtest per read model.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}

// openAt opens b's read model at loc for the rest of the test.
func (b backend) openAt(t testing.TB, loc string) ReadModel {
	t.Helper()
	rm, err := b.open(context.Background(), loc, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rm.Close() })
	return rm
}

// openNew opens a new, empty read model of b.
func (b backend) openNew(t testing.TB) ReadModel { return b.openAt(t, b.fresh(t)) }

// TestMain removes the benchmarks' shared tables and stops the PostgreSQL
// server after the run (what pgtest.Main does, plus the tables).
func TestMain(m *testing.M) {
	code := m.Run()
	closeBenchTables()
	pgtest.StopShared()
	os.Exit(code)
}

func openStore(t testing.TB, dir string) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openRM(t testing.TB, dir string) *SQLite {
	t.Helper()
	return sqliteBackend.openAt(t, dir).(*SQLite)
}

func appendEv(t testing.TB, st events.Store, stream string, evs ...events.Event) {
	t.Helper()
	data := make([]events.EventData, len(evs))
	for i, ev := range evs {
		data[i] = events.MustEncode(ev)
	}
	if _, err := st.Append(context.Background(), stream, events.Any(), data...); err != nil {
		t.Fatal(err)
	}
}

func appendRaw(t testing.TB, st events.Store, stream, typ, data string) {
	t.Helper()
	if _, err := st.Append(context.Background(), stream, events.Any(), events.EventData{Type: typ, Data: json.RawMessage(data)}); err != nil {
		t.Fatal(err)
	}
}

// startRunner runs a runner until the test ends and returns it.
func startRunner(t testing.TB, st events.Store, rm ReadModel, reg prometheus.Registerer) *Runner {
	t.Helper()
	r, err := NewRunner(Config{Store: st, ReadModel: rm, Registerer: reg, LagInterval: 20 * time.Millisecond, RetryDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// waitCaughtUp waits until every projection's checkpoint reaches the head.
func waitCaughtUp(t testing.TB, st events.Store, rm ReadModel) {
	t.Helper()
	var sts []Status
	caughtUp := func() bool {
		var err error
		sts, err = Statuses(context.Background(), st, rm)
		if err != nil {
			t.Fatal(err)
		}
		done := true
		for _, s := range sts {
			done = done && s.LagEvents == 0
		}
		return done
	}
	if !poll.Within(20*time.Second, caughtUp) {
		t.Fatalf("projections did not catch up: %+v", sts)
	}
}

// dumpQueries are the golden dump's sections: a label (the SQLite query,
// which is also the section's heading) and the PostgreSQL query giving
// the same rows in the same text form.
var dumpQueries = []struct{ sqlite, postgres string }{
	{`SELECT id, error_type, message, severity, user, connection_id, context, at FROM error_log ORDER BY id`,
		`SELECT id, error_type, message, severity, user_id, connection_id, context,
			to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || lpad(at_ns::text, 3, '0') || 'Z'
		FROM error_log ORDER BY id`},
	{`SELECT error_type, hour, count FROM error_hourly ORDER BY error_type, hour`,
		`SELECT error_type, hour, count FROM error_hourly ORDER BY error_type, hour`},
	{`SELECT chat_id, latest_seq FROM chats ORDER BY chat_id`,
		`SELECT chat_id, latest_seq FROM chats ORDER BY chat_id`},
	{`SELECT chat_id, user, last_read_seq FROM read_states ORDER BY chat_id, user`,
		`SELECT chat_id, user_id, last_read_seq FROM read_states ORDER BY chat_id, user_id`},
	{`SELECT user, chat_id, last_read_seq, latest_seq, uncounted_above FROM read_state_view ORDER BY user, chat_id`,
		`SELECT user_id, chat_id, last_read_seq, latest_seq, uncounted_above FROM read_state_view ORDER BY user_id, chat_id`},
	{`SELECT chat_id FROM delivery_chats ORDER BY chat_id`,
		`SELECT chat_id FROM delivery_chats ORDER BY chat_id`},
	{`SELECT chat_id, seq, posted_at FROM delivery_items ORDER BY chat_id, seq`,
		`SELECT chat_id, seq, to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || lpad(posted_at_ns::text, 3, '0') || 'Z' FROM delivery_items ORDER BY chat_id, seq`},
	{`SELECT chat_id, user, joined_seq, left_seq FROM delivery_members ORDER BY chat_id, user, joined_seq`,
		`SELECT chat_id, user_id, joined_seq, left_seq FROM delivery_members ORDER BY chat_id, user_id, joined_seq`},
	// SQLite keeps some reads with their items (ownReadSpan): the marks
	// are the rows of both.
	{`SELECT chat_id, user, kind, up_to, at, connection_id FROM delivery_marks
		UNION ALL SELECT chat_id, reader, 'read', seq, posted_at, '' FROM delivery_items WHERE reader IS NOT NULL
		ORDER BY chat_id, user, kind, up_to`,
		`SELECT chat_id, user_id, kind, up_to, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || lpad(at_ns::text, 3, '0') || 'Z', connection_id FROM delivery_marks ORDER BY chat_id, user_id, kind, up_to`},
	{`SELECT name, position, stream, event_type, reason FROM projection_poison ORDER BY name, position`,
		`SELECT name, position, stream, event_type, reason FROM projection_poison ORDER BY name, position`},
	{`SELECT name, position FROM projection_checkpoints ORDER BY name`,
		`SELECT name, position FROM projection_checkpoints ORDER BY name`},
}

// dumpHead is the heading of a dump query in the golden file: the query,
// or for the marks, the query of their one table.
func dumpHead(query string) string {
	if strings.Contains(query, "UNION ALL") {
		return `SELECT chat_id, user, kind, up_to, at, connection_id FROM delivery_marks ORDER BY chat_id, user, kind, up_to`
	}
	return query
}

// dump renders every live table of the read model (and the poison records)
// in a fixed order, one row a line, for golden comparison: the same text
// for both read models.
func dump(t testing.TB, rm ReadModel) string {
	t.Helper()
	var b strings.Builder
	for _, q := range dumpQueries {
		fmt.Fprintf(&b, "## %s\n", dumpHead(q.sqlite))
		var rows [][]any
		switch rm := rm.(type) {
		case *SQLite:
			rows = sqliteRows(t, rm, q.sqlite)
		case *Postgres:
			rows = pgRows(t, rm, q.postgres)
		default:
			t.Fatalf("dump: %T", rm)
		}
		for _, row := range rows {
			for i, v := range row {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(dumpValue(t, v))
			}
			b.WriteByte('\n')
		}
	}
	dumpReadStates(t, &b, rm)
	return b.String()
}

// dumpReadStates renders every chat's read states as ReadStates answers
// them: unread is computed by package chat, not by SQL.
func dumpReadStates(t testing.TB, b *strings.Builder, rm ReadModel) {
	t.Helper()
	fmt.Fprintf(b, "## ReadStates by chat (user, chat_id, last_read_seq, latest_seq, unread)\n")
	var chats []string
	switch rm := rm.(type) {
	case *SQLite:
		for _, row := range sqliteRows(t, rm, `SELECT chat_id FROM chats ORDER BY chat_id`) {
			chats = append(chats, dumpValue(t, row[0]))
		}
	case *Postgres:
		for _, row := range pgRows(t, rm, `SELECT chat_id FROM chats ORDER BY chat_id`) {
			chats = append(chats, dumpValue(t, row[0]))
		}
	}
	for _, c := range chats {
		states, err := rm.ReadStates(context.Background(), ReadStateQuery{Chat: c})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range states {
			fmt.Fprintf(b, "%s\t%s\t%d\t%d\t%d\n", r.User, r.ChatID, r.LastReadSeq, r.LatestSeq, r.Unread)
		}
	}
}

// dumpValue prints a value as the SQLite read model stores it.
func dumpValue(t testing.TB, v any) string {
	switch v := v.(type) {
	case time.Time:
		return formatTime(v)
	case map[string]any:
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

func sqliteRows(t testing.TB, rm *SQLite, q string) [][]any {
	rows, err := rm.reader.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func pgRows(t testing.TB, rm *Postgres, q string) [][]any {
	rows, err := rm.pool.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		t.Fatal(err)
	}
	return out
}
