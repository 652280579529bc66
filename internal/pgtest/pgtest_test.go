package pgtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/linkup-chat/linkup/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestSharedServerGivesSeparateDatabases(t *testing.T) {
	srv := pgtest.Shared(t)
	a, b := srv.NewDatabase(t), srv.NewDatabase(t)
	if a == b {
		t.Fatalf("two databases share URL %s", pgtest.WithoutPassword(a))
	}
	ctx := context.Background()
	exec(t, ctx, a, "CREATE TABLE t (x int)")
	exec(t, ctx, b, "CREATE TABLE t (x int)") // would fail if a == b
	if got := scalar(t, ctx, a, "SHOW fsync"); got != "on" {
		t.Fatalf("fsync = %s, want on", got)
	}
	if got := scalar(t, ctx, a, "SHOW synchronous_commit"); got != "on" {
		t.Fatalf("synchronous_commit = %s, want on", got)
	}
}

func TestPasswordRequired(t *testing.T) {
	srv := pgtest.Shared(t)
	if !srv.Owned() {
		t.Skip("the server from " + pgtest.URLEnv + " has its own authentication")
	}
	url := pgtest.WithoutPassword(srv.NewDatabase(t))
	if strings.Contains(url, srv.Password()) {
		t.Fatalf("WithoutPassword kept the password")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if conn, err := pgx.Connect(ctx, url); err == nil {
		conn.Close(ctx)
		t.Fatalf("connected without a password")
	}
}

func TestKillAndRestartKeepsCommittedRows(t *testing.T) {
	srv := pgtest.Start(t)
	if !srv.Owned() {
		t.Skip("the server from " + pgtest.URLEnv + " is not the test's to kill")
	}
	url := srv.NewDatabase(t)
	ctx := context.Background()
	exec(t, ctx, url, "CREATE TABLE t (x int)")
	exec(t, ctx, url, "INSERT INTO t VALUES (42)")
	held, err := pgx.Connect(ctx, url) // a backend alive at the kill
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(ctx)
	if len(pgtest.Leftovers(srv)) < 2 {
		t.Fatalf("server processes not found: %v", pgtest.Leftovers(srv))
	}
	srv.Kill(t)
	if left := pgtest.Leftovers(srv); len(left) != 0 {
		t.Fatalf("processes %v still run in the data directory after Kill", left)
	}
	if conn, err := pgx.Connect(ctx, url); err == nil {
		conn.Close(ctx)
		t.Fatalf("connected to a killed server")
	}
	srv.Restart(t)
	if got := scalar(t, ctx, url, "SELECT x::text FROM t"); got != "42" {
		t.Fatalf("after restart x = %s, want 42", got)
	}
}

func exec(t *testing.T, ctx context.Context, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func scalar(t *testing.T, ctx context.Context, url, sql string) string {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}
