package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/prometheus/client_golang/prometheus"
)

func openPg(t *testing.T, url string, cfg PostgresConfig) *Postgres {
	t.Helper()
	cfg.URL = url
	p, err := OpenPostgres(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func pgExec(t *testing.T, url string, sqls ...string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range sqls {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestPostgresSchemaVersions: opening migrates once (also from several
// processes at once), a read-only open needs the schema, and a schema
// newer than this build is refused with a clear error.
func TestPostgresSchemaVersions(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := context.Background()
	if _, err := OpenPostgres(ctx, PostgresConfig{URL: url, ReadOnly: true}); !errors.Is(err, ErrNoSchema) {
		t.Fatalf("read-only open of an empty database: %v, want ErrNoSchema", err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			p, err := OpenPostgres(ctx, PostgresConfig{URL: url})
			if err != nil {
				t.Error("concurrent open:", err)
				return
			}
			p.Close()
		})
	}
	wg.Wait()
	p := openPg(t, url, PostgresConfig{})
	var n, v int
	if err := p.pool.QueryRow(ctx, `SELECT count(*), max(version) FROM readmodel_schema_migrations`).Scan(&n, &v); err != nil || n != SchemaVersion() || v != SchemaVersion() {
		t.Fatalf("versions: %d rows, max %d, want %d and %[3]d (%v)", n, v, SchemaVersion(), err)
	}
	if _, err := OpenPostgres(ctx, PostgresConfig{URL: url, ReadOnly: true}); err != nil {
		t.Fatalf("read-only open after migrating: %v", err)
	}
	pgExec(t, url, fmt.Sprintf(`INSERT INTO readmodel_schema_migrations (version, name) VALUES (%d, 'from_the_future')`, SchemaVersion()+1))
	for _, ro := range []bool{false, true} {
		_, err := OpenPostgres(ctx, PostgresConfig{URL: url, ReadOnly: ro})
		if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), fmt.Sprintf("version %d", SchemaVersion()+1)) {
			t.Fatalf("read-only %v: open of a newer schema: %v", ro, err)
		}
	}
}

// TestPostgresRebuildKeepsSchemaAndGrants: after a rebuild the tables,
// columns, indexes, constraints and comments are those the migrations
// made, and privileges granted on the live tables and view survive.
func TestPostgresRebuildKeepsSchemaAndGrants(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	rm := openPg(t, url, PostgresConfig{})
	role := "analyst_" + strings.TrimPrefix(url[strings.LastIndex(url, "/")+1:strings.Index(url, "?")], "linkup_")
	pgExec(t, url, `CREATE ROLE `+role, `GRANT SELECT ON error_log, error_hourly, chats, read_states, read_state_view TO `+role)
	t.Cleanup(func() { pgExec(t, url, `DROP OWNED BY `+role, `DROP ROLE `+role) })
	before := pgSchema(t, rm)
	st := openStore(t, t.TempDir())
	writeScript(t, st)
	for range 2 {
		for _, p := range Default() {
			if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: p}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if after := pgSchema(t, rm); after != before {
		t.Fatalf("schema changed by rebuilds:\n--- before\n%s\n--- after\n%s", before, after)
	}
	for _, rel := range []string{"error_log", "error_hourly", "chats", "read_states", "read_state_view"} {
		var ok bool
		if err := rm.pool.QueryRow(context.Background(), `SELECT has_table_privilege($1, $2, 'SELECT')`, role, rel).Scan(&ok); err != nil || !ok {
			t.Errorf("%s lost SELECT on %s after rebuild (%v)", role, rel, err)
		}
	}
	checkGolden(t, "script.golden", dump(t, rm))
}

// pgSchema describes every relation of the schema: columns, indexes,
// constraints, comments.
func pgSchema(t *testing.T, p *Postgres) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT table_name, column_name, data_type, collation_name, is_nullable, column_default FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
		`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2`,
		`SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
			WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2`,
		`SELECT c.relname, coalesce(a.attname, ''), d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
			LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
			WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1, 2`,
		`SELECT pg_get_viewdef('read_state_view'::regclass, true)`,
	} {
		for _, row := range pgRows(t, p, q) {
			fmt.Fprintln(&b, row...)
		}
	}
	return b.String()
}

// TestPostgresSwapLockIsBounded: an open transaction holding the live
// table (an analyst's psql session) makes the swap give up after its
// bounded attempts, with the live rows untouched and queries answering;
// once it ends, the rebuild goes through.
func TestPostgresSwapLockIsBounded(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	rm := openPg(t, url, PostgresConfig{SwapLockTimeout: 50 * time.Millisecond, SwapLockAttempts: 3})
	st := openStore(t, t.TempDir())
	writeScript(t, st)
	startRunner(t, st, rm, nil)
	waitCaughtUp(t, st, rm)
	want := dump(t, rm)

	ctx := context.Background()
	analyst, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer analyst.Close(ctx)
	tx, err := analyst.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT count(*) FROM error_log`); err != nil {
		t.Fatal(err)
	}
	_, err = Rebuild(ctx, RebuildConfig{Store: st, ReadModel: rm, Projection: ErrorLog{}})
	if err == nil || !strings.Contains(err.Error(), "still locked by another transaction") {
		t.Fatalf("rebuild beside an open transaction: %v", err)
	}
	if page, err := rm.Errors(ctx, protocol.ErrorQuery{}); err != nil || len(page.Items) != 5 {
		t.Fatalf("query after the failed swap: %d rows, %v", len(page.Items), err)
	}
	if got := dump(t, rm); got != want {
		t.Fatalf("rows changed by a failed swap:\n%s", got)
	}
	var sets int
	if err := rm.pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename LIKE 'error\_log\_\_%'`).Scan(&sets); err != nil || sets != 0 {
		t.Fatalf("%d rebuild tables left behind (%v)", sets, err)
	}
	tx.Commit(ctx)
	if _, err := Rebuild(ctx, RebuildConfig{Store: st, ReadModel: rm, Projection: ErrorLog{}}); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, rm); got != want {
		t.Fatalf("rows after the rebuild differ:\n%s", got)
	}
}

// TestPostgresStoresNULAsReplacement: U+0000, which PostgreSQL text and
// jsonb refuse, is stored as U+FFFD and found by the same parameters; it
// neither poisons the event nor stalls the runner.
func TestPostgresStoresNULAsReplacement(t *testing.T) {
	rm := postgresBackend.openNew(t)
	st := openStore(t, t.TempDir())
	appendEv(t, st, events.ErrorStream("k"),
		events.ErrorRecorded{ErrorType: "x", Message: "nul \x00 here", User: "u\x00", Context: map[string]any{"k\x00": []any{"v\x00"}}, At: t0})
	appendEv(t, st, events.ChatStream("c\x00"), events.ChatCreated{ChatID: "c\x00", Members: []string{"a", "b\x00"}},
		events.MessagePosted{ChatID: "c\x00", Seq: 2, Sender: "a"}, events.ChatRead{ChatID: "c\x00", User: "b\x00", LastReadSeq: 1})
	startRunner(t, st, rm, nil)
	waitCaughtUp(t, st, rm)
	ctx := context.Background()
	cps, err := rm.Checkpoints(ctx)
	if err != nil || cps[0].Poisoned+cps[1].Poisoned != 0 {
		t.Fatalf("checkpoints %+v %v", cps, err)
	}
	page, err := rm.Errors(ctx, protocol.ErrorQuery{User: "u\x00"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("errors %+v %v", page, err)
	}
	if r := page.Items[0]; r.Message != "nul \uFFFD here" || r.User != "u\uFFFD" || fmt.Sprint(r.Context) != "map[k\uFFFD:[v\uFFFD]]" {
		t.Fatalf("row %+v", r)
	}
	states, err := rm.ReadStates(ctx, protocol.ReadStateQuery{Chat: "c\x00"})
	if err != nil || fmt.Sprint(states) != "[{a c\uFFFD 2 2 0} {b\uFFFD c\uFFFD 1 2 1}]" {
		t.Fatalf("read states %v %v", states, err)
	}
}

func TestRedactURL(t *testing.T) {
	for raw, want := range map[string]string{
		"postgres://u:pw@h:5432/db?sslmode=disable": "postgres://u:xxxxx@h:5432/db?sslmode=disable",
		"postgres://u:p%40ss@h/db":                  "postgres://u:xxxxx@h/db",
		"postgres://u:pw@h:port/db":                 "postgres://u:xxxxx@h:port/db",
		"postgres://u@h/db?password=pw&sslmode=x":   "postgres://u@h/db?password=xxxxx&sslmode=x",
		"host=h user=u password='p w' dbname=d":     "host=h user=u password=xxxxx dbname=d",
		"postgres://h/db":                           "postgres://h/db",
		"postgres://postgres:h@h/postgres":          "postgres://postgres:xxxxx@h/postgres",
		"postgres://u:a:b@c@h/db":                   "postgres://u:xxxxx@h/db",
	} {
		if got := RedactURL(raw); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := Redact("postgres://u:p%40ss@h/db", `parse "postgres://u:p@ss@h/db": bad`); strings.Contains(got, "p@ss") {
		t.Errorf("unescaped password kept: %q", got)
	}
}

// TestPostgresServerCrashLosesNothing: PostgreSQL is SIGKILLed while the
// runner projects a growing log, and restarted; the runner, which counted
// its failed batches meanwhile, resumes by itself and the rows equal a
// rebuild from zero.
func TestPostgresServerCrashLosesNothing(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewDatabase(t)
	rm := openPg(t, url, PostgresConfig{})
	st := openStore(t, t.TempDir())
	writeScript(t, st)
	appendTraffic(t, st, 0, 300, true)
	reg := prometheus.NewRegistry()
	startRunner(t, st, rm, reg)
	waitCommitted(t, rm, 1)
	srv.Kill(t)
	appendTraffic(t, st, 300, 200, false)
	if _, err := rm.Errors(context.Background(), protocol.ErrorQuery{}); err == nil {
		t.Fatal("query answered with the server down")
	}
	// The runner must meet the dead server before it comes back: at its
	// 1 s pace it may not have tried a transaction yet.
	if !poll.Within(20*time.Second, func() bool {
		v, ok := metricFound(reg, "linkup_projection_failures_total", NameErrors)
		return ok && v > 0
	}) {
		t.Fatal("the runner counted no failure while PostgreSQL was down")
	}
	srv.Restart(t)
	waitCaughtUp(t, st, rm)
	if got, want := dump(t, rm), freshDump(t, postgresBackend, st); got != want {
		t.Fatalf("after a PostgreSQL crash rows differ from a rebuild:\n--- got\n%s\n--- want\n%s", got, want)
	}
}

// waitCommitted waits until some projection has committed past pos.
func waitCommitted(t *testing.T, rm ReadModel, pos uint64) {
	t.Helper()
	// A fast poll of its own, not poll.Until: the test stops PostgreSQL
	// while the runner is still mid-log, which a coarser poll could miss.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		cps, err := rm.Checkpoints(context.Background())
		if err == nil && (cps[0].Position > pos || cps[1].Position > pos) {
			return
		}
	}
	t.Fatal("nothing committed")
}

// TestPostgresInOtherSchema: search_path in the URL puts the read model in
// that schema; projection and rebuild work there and public stays empty.
func TestPostgresInOtherSchema(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	pgExec(t, url, `CREATE SCHEMA linkup_rm`)
	rm := openPg(t, url+"&search_path=linkup_rm", PostgresConfig{})
	st := openStore(t, t.TempDir())
	writeScript(t, st)
	startRunner(t, st, rm, nil)
	waitCaughtUp(t, st, rm)
	if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: ReadStates{}}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "script.golden", dump(t, rm))
	var inPublic, inSchema int
	err := rm.pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE schemaname = 'public'),
		count(*) FILTER (WHERE schemaname = 'linkup_rm') FROM pg_tables`).Scan(&inPublic, &inSchema)
	if err != nil || inPublic != 0 || inSchema != 12 { // 8 tables, and 4 of deliveries (v1.1)
		t.Fatalf("tables: %d in public, %d in linkup_rm (%v)", inPublic, inSchema, err)
	}
}

// TestPostgresMigrationTakesUnreadOutOfSQL: a database at schema version 2,
// whose read_state_view computed unread in SQL, migrates to a view that
// only holds the rule's inputs (no GREATEST left in its definition), keeps
// the SELECT granted on the view, and ReadStates (chat.UnreadItems in Go)
// answers the same unread counts the old view did.
func TestPostgresMigrationTakesUnreadOutOfSQL(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ms, err := migrations()
	if err != nil || len(ms) < 3 {
		t.Fatal(len(ms), err)
	}
	setup := []string{migrationsTable}
	for _, m := range ms[:2] {
		setup = append(setup, m.sql, fmt.Sprintf(`INSERT INTO readmodel_schema_migrations (version, name) VALUES (%d, '%s')`, m.version, m.name))
	}
	role := "analyst_" + strings.TrimPrefix(url[strings.LastIndex(url, "/")+1:strings.Index(url, "?")], "linkup_")
	setup = append(setup,
		`INSERT INTO chats (chat_id, latest_seq) VALUES ('c1', 5), ('c2', 3)`,
		`INSERT INTO read_states (chat_id, user_id, last_read_seq) VALUES ('c1', 'alice', 1), ('c1', 'bob', 5), ('c1', 'carol', 9), ('c2', 'alice', 0)`,
		`INSERT INTO uncounted (chat_id, seq) VALUES ('c1', 2), ('c1', 4), ('c1', 7), ('c2', 1)`,
		`CREATE ROLE `+role, `GRANT SELECT ON read_state_view TO `+role)
	pgExec(t, url, setup...)
	t.Cleanup(func() { pgExec(t, url, `DROP OWNED BY `+role, `DROP ROLE `+role) })
	old := map[string]string{}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := conn.Query(context.Background(), `SELECT chat_id, user_id, unread FROM read_state_view`)
	var chatID, user string
	var unread int64
	if _, err := pgx.ForEachRow(rows, []any{&chatID, &user, &unread}, func() error {
		old[chatID+"/"+user] = fmt.Sprint(unread)
		return nil
	}); err != nil || len(old) != 4 {
		t.Fatal(old, err)
	}
	conn.Close(context.Background())

	rm := openPg(t, url, PostgresConfig{})
	ctx := context.Background()
	for _, c := range []string{"c1", "c2"} {
		states, err := rm.ReadStates(ctx, ReadStateQuery{Chat: c})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range states {
			if got, want := fmt.Sprint(s.Unread), old[s.ChatID+"/"+s.User]; got != want {
				t.Errorf("%s/%s: unread %s, the old view said %s", s.ChatID, s.User, got, want)
			}
		}
	}
	if old["c1/alice"] != "2" {
		t.Errorf("c1/alice: the old view said %s, want 2", old["c1/alice"])
	}
	var def string
	var granted bool
	if err := rm.pool.QueryRow(ctx, `SELECT pg_get_viewdef('read_state_view'::regclass, true), has_table_privilege($1, 'read_state_view', 'SELECT')`,
		role).Scan(&def, &granted); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToUpper(def), "GREATEST") || !strings.Contains(def, "uncounted_above") {
		t.Errorf("read_state_view still computes unread:\n%s", def)
	}
	if !granted {
		t.Errorf("%s lost SELECT on read_state_view in the migration", role)
	}
}
