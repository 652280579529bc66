package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/eventstest"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestContract runs the whole events.Store contract; every subtest opens
// its own Store on one shared database, as several linkup processes would.
func TestContract(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	eventstest.Run(t, func(t *testing.T) events.Store {
		return open(t, postgres.Config{URL: url})
	})
}

func open(t testing.TB, cfg postgres.Config) *postgres.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
