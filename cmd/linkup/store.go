package main

import (
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"log/slog"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/esdb"
)

// openReadOnlyStore opens the event log for reading only: the embedded
// store in sf.data (readable while a server writes it), or EventStoreDB
// when --store esdb or --esdb-url is given. timeOrdered reports whether
// the store's append times rise with position (the embedded store's do).
func openReadOnlyStore(sf storeFlags) (st events.Store, timeOrdered bool, err error) {
	switch {
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
	return nil, false, fmt.Errorf("--store %q: want embedded or esdb", sf.store)
}

// openStore opens the event log read-write for serve: the embedded store
// in sf.data (created if absent), or EventStoreDB with --store esdb.
func openStore(sf storeFlags, log *slog.Logger, reg prometheus.Registerer) (events.Store, error) {
	switch sf.store {
	case "embedded", "":
		return embedded.Open(embedded.Config{Dir: sf.data, Logger: log, Metrics: reg})
	case "esdb":
		if sf.esdbURL == "" {
			return nil, errors.New("--store esdb needs --esdb-url (or LINKUP_ESDB_URL)")
		}
		return esdb.New(esdb.Config{URL: sf.esdbURL, Logger: log, Metrics: reg})
	}
	return nil, fmt.Errorf("--store %q: want embedded or esdb", sf.store)
}
