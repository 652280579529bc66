package main

import (
	"strings"
	"sync"
	"testing"

	"github.com/linkup-chat/linkup/internal/pgtest"
)

// pg is the package's PostgreSQL server once a test asked for it;
// TestMain stops it.
var pg struct {
	mu  sync.Mutex
	srv *pgtest.Server
}

func pgServer(t testing.TB) *pgtest.Server {
	t.Helper()
	srv := pgtest.Shared(t)
	pg.mu.Lock()
	pg.srv = srv
	pg.mu.Unlock()
	return srv
}

func stopPostgres() {
	if pg.srv != nil {
		pg.srv.Stop()
	}
}

// forEachReadModel runs fn once with the SQLite read model (rmURL "") and
// once with a fresh PostgreSQL database.
func forEachReadModel(t *testing.T, fn func(t *testing.T, rmURL string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "") })
	t.Run("postgres", func(t *testing.T) { fn(t, pgServer(t).NewDatabase(t)) })
}

// TestReadModelURLErrors: a bad --readmodel (or LINKUP_READMODEL) is one
// clear line on stderr and exit 1, and the password never shows.
func TestReadModelURLErrors(t *testing.T) {
	const secret = "s3cr3t-pw"
	dir := t.TempDir()
	writeReplayLog(t, dir)
	for _, c := range []struct{ name, url, want string }{
		{"malformed port", "postgres://linkup:" + secret + "@127.0.0.1:notaport/db", "malformed PostgreSQL URL"},
		{"unreachable", "postgres://linkup:" + secret + "@127.0.0.1:1/db?connect_timeout=5", "open read model"},
		{"not postgres", "mysql://linkup:" + secret + "@127.0.0.1/db", "want a postgres:// URL"},
		{"password in query", "postgres://127.0.0.1:1/db?user=linkup&password=" + secret, "open read model"},
	} {
		for _, args := range [][]string{
			{"projections", "status", "--data", dir, "--readmodel", c.url},
			{"projections", "rebuild", "--data", dir, "--readmodel", c.url},
			{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--readmodel", c.url},
		} {
			code, _, stderr := runCLI(args...)
			if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, secret) {
				t.Errorf("%s, %s: exit %d, stderr %q; want exit 1 and one line with %q, no password", c.name, args[0], code, stderr, c.want)
			}
		}
	}
	t.Run("wrong password", func(t *testing.T) {
		srv := pgServer(t)
		bad := strings.Replace(srv.DatabaseURL("postgres"), srv.Password(), secret, 1)
		code, _, stderr := runCLI("projections", "rebuild", "--data", dir, "--readmodel", bad)
		if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "password authentication failed") || strings.Contains(stderr, secret) {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Setenv("LINKUP_READMODEL", "postgres://linkup:"+secret+"@127.0.0.1:1/db")
	if code, _, stderr := runCLI("projections", "status", "--data", dir); code != 1 || !strings.Contains(stderr, "postgres://linkup:xxxxx@127.0.0.1:1/db") {
		t.Errorf("LINKUP_READMODEL: exit %d, stderr %q", code, stderr)
	}
}
