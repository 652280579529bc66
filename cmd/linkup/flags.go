package main

import (
	"flag"
	"io"

	"github.com/peterbourgon/ff/v3"
)

// envOptions makes every flag of a subcommand read LINKUP_<FLAG> as well.
func envOptions() []ff.Option {
	return []ff.Option{ff.WithEnvVarPrefix("LINKUP")}
}

// newFlagSet returns a flag set that reports errors to stderr and does not
// exit the process.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// storeFlags are the flags every subcommand that opens the event log shares.
type storeFlags struct {
	data        string
	store       string
	esdbURL     string
	postgresURL string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", "./linkup-data", "data directory (embedded event store, read model, JWT secret)")
	fs.StringVar(&s.store, "store", "embedded", "event store: embedded, esdb or postgres")
	fs.StringVar(&s.esdbURL, "esdb-url", "", "EventStoreDB connection string (esdb://host:2113?tls=false) for --store esdb")
	fs.StringVar(&s.postgresURL, "postgres-url", "", "PostgreSQL URL (postgres://user:password@host:5432/db) for --store postgres; prefer the LINKUP_POSTGRES_URL environment variable, which keeps the password out of the process list")
}
