package main

import (
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestPostgresURLProblemsAreOneLine starts `linkup serve --store postgres`
// (and replay) as real processes with a bad URL each way: each exits 1
// with one line on stderr that names the problem and never the password.
func TestPostgresURLProblemsAreOneLine(t *testing.T) {
	srv := pgtest.Start(t)
	good := srv.NewDatabase(t)
	const secret = "Hunter2-s3cret"
	wrongPW := strings.Replace(good, ":"+srv.Password()+"@", ":"+secret+"@", 1)
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"malformed", nil, []string{"serve", "--store", "postgres", "--postgres-url", "postgres://linkup:" + secret + "@127.0.0.1:notaport/db"}, "--postgres-url: postgres: malformed connection URL"},
		{"unreachable", []string{"LINKUP_POSTGRES_URL=postgres://linkup:" + secret + "@127.0.0.1:1/db"}, []string{"serve", "--store", "postgres"}, "cannot connect to postgres://linkup@127.0.0.1:1/db"},
		{"wrong password", []string{"LINKUP_POSTGRES_URL=" + wrongPW}, []string{"serve", "--store", "postgres"}, "password authentication failed"},
		{"no url", nil, []string{"serve", "--store", "postgres"}, "--store postgres needs --postgres-url (or LINKUP_POSTGRES_URL)"},
		{"replay of an empty database", []string{"LINKUP_POSTGRES_URL=" + good}, []string{"replay", "timeline", "--store", "postgres"}, "no linkup event log in PostgreSQL database"},
	}
	for _, c := range cases {
		if c.name == "wrong password" && !srv.Owned() {
			continue // the external server's URL may carry no password
		}
		args := append(c.args, "--data", t.TempDir())
		if c.args[0] == "serve" {
			args = append(args, "--addr", "127.0.0.1:0")
		}
		code, out, errs := runProc(t, c.env, args...)
		if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q, want one line with %q", c.name, code, errs, c.want)
		}
		if strings.Contains(errs+out, secret) || (srv.Password() != "" && strings.Contains(errs+out, srv.Password())) {
			t.Errorf("%s: output shows a password: %q", c.name, errs)
		}
	}
}
