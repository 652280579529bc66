package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/esdb"
	"github.com/linkup-chat/linkup/events/postgres"
)

// openReadOnlyStore opens the event log for reading only: the embedded
// store in sf.data (readable while a server writes it), EventStoreDB when
// --store esdb or --esdb-url is given, or PostgreSQL with --store
// postgres. timeOrdered reports whether the store's append times rise with
// position (the embedded and PostgreSQL stores' do).
func openReadOnlyStore(sf storeFlags) (st events.Store, timeOrdered bool, err error) {
	switch {
	case sf.store == "postgres":
		s, err := openPostgres(sf, postgres.Config{ReadOnly: true})
		return s, true, err
	case sf.store == "esdb" || sf.esdbURL != "":
		if sf.esdbURL == "" {
			return nil, false, errors.New("--store esdb needs --esdb-url (or LINKUP_ESDB_URL)")
		}
		s, err := esdb.New(esdb.Config{URL: sf.esdbURL, ReadOnly: true})
		return s, false, err
	case sf.store == "embedded" || sf.store == "":
		s, err := embedded.Open(embedded.Config{Dir: sf.data, ReadOnly: true})
		if errors.Is(err, embedded.ErrNoStore) {
			return nil, false, fmt.Errorf("no event store in %q (no %s): check --data", sf.data, embedded.Path(sf.data))
		}
		return s, true, err
	}
	return nil, false, fmt.Errorf("--store %q: want embedded, esdb or postgres", sf.store)
}

// openStore opens the event log read-write for serve: the embedded store
// in sf.data (created if absent), EventStoreDB with --store esdb, or
// PostgreSQL with --store postgres (schema created or migrated). walPages
// is the embedded store's CheckpointPages, its WAL preallocated, and
// window its CommitWindow.
func openStore(sf storeFlags, walPages int, window time.Duration, log *slog.Logger, reg prometheus.Registerer) (events.Store, error) {
	switch sf.store {
	case "embedded", "":
		return embedded.Open(embedded.Config{Dir: sf.data, Logger: log, Metrics: reg, PreallocateWAL: true, CheckpointPages: walPages, CommitWindow: window})
	case "esdb":
		if sf.esdbURL == "" {
			return nil, errors.New("--store esdb needs --esdb-url (or LINKUP_ESDB_URL)")
		}
		return esdb.New(esdb.Config{URL: sf.esdbURL, Logger: log, Metrics: reg})
	case "postgres":
		return openPostgres(sf, postgres.Config{Logger: log, Metrics: reg})
	}
	return nil, fmt.Errorf("--store %q: want embedded, esdb or postgres", sf.store)
}

// openPostgres opens the PostgreSQL store at sf.postgresURL. Its errors
// are one line and never contain the password.
func openPostgres(sf storeFlags, cfg postgres.Config) (*postgres.Store, error) {
	if sf.postgresURL == "" {
		return nil, errors.New("--store postgres needs --postgres-url (or LINKUP_POSTGRES_URL)")
	}
	cfg.URL = sf.postgresURL
	st, err := postgres.Open(context.Background(), cfg)
	switch {
	case errors.Is(err, postgres.ErrBadURL):
		return nil, fmt.Errorf("--postgres-url: %w", err)
	case errors.Is(err, postgres.ErrNoStore):
		return nil, fmt.Errorf("no linkup event log in PostgreSQL database %s (%w): check --postgres-url, or start linkup serve --store postgres once", postgres.Describe(sf.postgresURL), err)
	case err != nil:
		return nil, fmt.Errorf("--store postgres: %w", err)
	}
	if cfg.Logger != nil {
		cfg.Logger.Info("event store: PostgreSQL", "database", postgres.Describe(sf.postgresURL), "schema", postgres.SchemaVersion())
	}
	return st, nil
}
