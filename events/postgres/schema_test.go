package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestConcurrentOpensMigrateOnce opens four Stores at once on an empty
// database: the migration runs under an advisory lock, so all succeed.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			st, err := postgres.Open(context.Background(), postgres.Config{URL: url})
			if err != nil {
				errs <- err
				return
			}
			st.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var v int
	if err := connect(t, url).QueryRow(context.Background(), "SELECT version FROM linkup_event_log_schema").Scan(&v); err != nil || v != postgres.SchemaVersion() {
		t.Fatalf("schema version %d (%v), want %d", v, err, postgres.SchemaVersion())
	}
}

// TestNewerSchemaRefused: a log written by a newer linkup is refused, read
// or write, with a message naming both versions.
func TestNewerSchemaRefused(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	open(t, postgres.Config{URL: url}).Close()
	if _, err := connect(t, url).Exec(context.Background(), "UPDATE linkup_event_log_schema SET version = 99"); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		_, err := postgres.Open(context.Background(), postgres.Config{URL: url, ReadOnly: ro})
		if !errors.Is(err, postgres.ErrSchemaTooNew) || !strings.Contains(err.Error(), "99") {
			t.Fatalf("read-only %v: error %v, want ErrSchemaTooNew naming version 99", ro, err)
		}
	}
}

// TestReadOnly: read-only Open of a database without the log is ErrNoStore
// (and creates nothing); on a log it reads and refuses appends.
func TestReadOnly(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	if _, err := postgres.Open(ctx, postgres.Config{URL: url, ReadOnly: true}); !errors.Is(err, postgres.ErrNoStore) {
		t.Fatalf("read-only open of an empty database: %v, want ErrNoStore", err)
	}
	rw := open(t, postgres.Config{URL: url})
	if _, err := rw.Append(ctx, "s", events.NoStream(), evn(0, 0)); err != nil {
		t.Fatal(err)
	}
	ro := open(t, postgres.Config{URL: url, ReadOnly: true})
	if _, err := ro.Append(ctx, "s", events.Any(), evn(0, 1)); !errors.Is(err, events.ErrReadOnly) {
		t.Fatalf("read-only append: %v, want ErrReadOnly", err)
	}
	if recs := readStream(t, ctx, ro, "s"); len(recs) != 1 {
		t.Fatalf("read-only read: %d events", len(recs))
	}
}

// TestErrorsHideThePassword opens with a wrong password, an unreachable
// port and a malformed URL: each error says what is wrong and never
// contains the password.
func TestErrorsHideThePassword(t *testing.T) {
	srv := pgtest.Shared(t)
	good := srv.NewDatabase(t)
	const secret = "s3cr3t-Pa55word"
	wrongPW := strings.Replace(good, ":"+srv.Password()+"@", ":"+secret+"@", 1)
	cases := []struct {
		name, url string
		want      error
	}{
		{"wrong password", wrongPW, postgres.ErrUnavailable},
		{"closed port", "postgres://linkup:" + secret + "@127.0.0.1:1/db?connect_timeout=2", postgres.ErrUnavailable},
		{"malformed", "postgres://linkup:" + secret + "@127.0.0.1:notaport/db", postgres.ErrBadURL},
		{"keyword form", "host=127.0.0.1 port=1 user=linkup password=" + secret + " connect_timeout=2", postgres.ErrUnavailable},
	}
	if !srv.Owned() { // the external server's URL may carry no password
		cases = cases[1:]
	}
	for _, c := range cases {
		_, err := postgres.Open(context.Background(), postgres.Config{URL: c.url})
		if !errors.Is(err, c.want) {
			t.Fatalf("%s: error %v, want %v", c.name, err, c.want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("%s: error shows the password: %v", c.name, err)
		}
		t.Logf("%s: %v", c.name, err)
	}
}
