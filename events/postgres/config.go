package postgres

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxBatch       = 1000
	DefaultQueueSize      = 16384
	DefaultMaxEventBytes  = 1<<20 + 64<<10
	DefaultPollInterval   = 500 * time.Millisecond
	DefaultMaxConns       = 8
	DefaultPageSize       = 512
	DefaultWriteTimeout   = 10 * time.Second
	DefaultConnectTimeout = 5 * time.Second

	// DefaultIdleInTransactionTimeout is far above the microseconds the
	// writer spends between its two round trips, and far below the two
	// hours PostgreSQL would otherwise take to notice a vanished client.
	DefaultIdleInTransactionTimeout = 5 * time.Second
	// DefaultLockTimeout exceeds DefaultIdleInTransactionTimeout, so that
	// appenders queued behind a frozen holder get the lock when the server
	// drops it rather than fail, and stays under DefaultWriteTimeout, so
	// that the server ends the wait, not the client.
	DefaultLockTimeout = 8 * time.Second
)

// Config says which database holds the log and how the store is bounded.
// The zero value of every field but URL means its default.
type Config struct {
	// URL is the PostgreSQL connection URL or keyword/value string
	// (postgres://user:password@host:5432/db?sslmode=disable). It is never
	// logged or put in an error with its password.
	URL string
	// ReadOnly opens an existing log for reading only (replay, tools):
	// Append returns events.ErrReadOnly, the schema is checked but never
	// created or migrated, and a database without the log is ErrNoStore.
	ReadOnly bool
	// MaxBatch is the most appends gathered into one transaction.
	MaxBatch int
	// QueueSize bounds the appends waiting for the writer; when it is full
	// Append returns events.ErrOverloaded at once.
	QueueSize int
	// MaxEventBytes bounds one event's data plus metadata plus type; larger
	// events are refused with events.ErrTooLarge.
	MaxEventBytes int
	// PollInterval is how often subscriptions look for new events when no
	// notification woke them (notifications are only a wake-up; polling is
	// what makes a lost notification harmless).
	PollInterval time.Duration
	// MaxConns bounds the connection pool (reads, subscriptions' pages and
	// the writer); the LISTEN connection is one more.
	MaxConns int
	// PageSize is the most events fetched per read query.
	PageSize int
	// WriteTimeout bounds one batch transaction, connection included; its
	// appends then fail with ErrUnavailable (outcome unknown if the COMMIT
	// was sent).
	WriteTimeout time.Duration
	// ConnectTimeout bounds each connection attempt, and Open's first one.
	ConnectTimeout time.Duration
	// IdleInTransactionTimeout is the store's sessions'
	// idle_in_transaction_session_timeout: PostgreSQL ends a session that
	// sits this long inside a transaction waiting for its client. A linkup
	// process frozen (SIGSTOP, a long pause) or cut off from the network
	// while its batch holds the append lock thus loses the session and the
	// lock after this long, and the other processes on the log go on; its
	// batch fails (ErrUnavailable), nothing of it is stored. A value in the
	// URL (?idle_in_transaction_session_timeout=...) takes precedence.
	IdleInTransactionTimeout time.Duration
	// LockTimeout bounds an append transaction's wait for the append lock
	// (lock_timeout, set for that transaction only): past it the server
	// cancels the wait and the batch fails with ErrUnavailable, saying so.
	// Its default is min(DefaultLockTimeout, WriteTimeout*4/5): under
	// WriteTimeout, since a wait ended by the client's deadline leaves the
	// server's backend queued for the lock until it gets it.
	LockTimeout time.Duration
	// Metrics receives the store's collectors; nil registers nowhere.
	Metrics prometheus.Registerer
	// Logger receives the store's rare log lines; nil discards them.
	Logger *slog.Logger
}

// Validate reports a Config that cannot work.
func (c Config) Validate() error {
	switch {
	case c.URL == "":
		return errors.New("postgres: config: URL is empty")
	case c.MaxBatch < 0, c.QueueSize < 0, c.MaxEventBytes < 0, c.MaxConns < 0, c.PageSize < 0:
		return fmt.Errorf("postgres: config: negative limit (MaxBatch %d, QueueSize %d, MaxEventBytes %d, MaxConns %d, PageSize %d)",
			c.MaxBatch, c.QueueSize, c.MaxEventBytes, c.MaxConns, c.PageSize)
	case c.PollInterval < 0, c.WriteTimeout < 0, c.ConnectTimeout < 0, c.IdleInTransactionTimeout < 0, c.LockTimeout < 0:
		return errors.New("postgres: config: negative duration")
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.MaxBatch = orDefault(c.MaxBatch, DefaultMaxBatch)
	c.QueueSize = orDefault(c.QueueSize, DefaultQueueSize)
	c.MaxEventBytes = orDefault(c.MaxEventBytes, DefaultMaxEventBytes)
	c.MaxConns = orDefault(c.MaxConns, DefaultMaxConns)
	c.PageSize = orDefault(c.PageSize, DefaultPageSize)
	c.PollInterval = orDefault(c.PollInterval, DefaultPollInterval)
	c.WriteTimeout = orDefault(c.WriteTimeout, DefaultWriteTimeout)
	c.ConnectTimeout = orDefault(c.ConnectTimeout, DefaultConnectTimeout)
	c.IdleInTransactionTimeout = orDefault(c.IdleInTransactionTimeout, DefaultIdleInTransactionTimeout)
	c.LockTimeout = orDefault(c.LockTimeout, min(DefaultLockTimeout, c.WriteTimeout*4/5))
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func orDefault[T int | time.Duration](v, d T) T {
	if v == 0 {
		return d
	}
	return v
}
