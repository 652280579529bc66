//go:build linux

package pgtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// NewDatabase creates an empty database on s for t and returns its URL;
// t.Cleanup drops it (with FORCE, so leftover connections do not stop it).
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := "linkup_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.exec(ctx, "CREATE DATABASE "+name); err != nil {
		unavailable(t, "create database on %s: %v", WithoutPassword(s.URL()), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s.exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return s.DatabaseURL(name)
}

// exec runs one statement on the server's maintenance database.
func (s *Server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func removeAll(dir string) { os.RemoveAll(dir) }
