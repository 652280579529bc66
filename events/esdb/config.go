package esdb

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for the zero values of Config.
const (
	// DefaultMaxAppendBytes is EventStoreDB's default --max-append-size.
	DefaultMaxAppendBytes        = 1 << 20
	DefaultMaxInflightAppends    = 1024
	DefaultPageSize              = 512
	DefaultResubscribeBackoff    = 500 * time.Millisecond
	DefaultMaxResubscribeBackoff = 30 * time.Second
)

// Config says which server to use and how the store is bounded. The zero
// value of every field but URL means its default.
type Config struct {
	// URL is an EventStoreDB connection string, such as
	// esdb://127.0.0.1:2113?tls=false.
	URL string
	// ReadOnly makes Append return events.ErrReadOnly.
	ReadOnly bool
	// Logger receives the store's and the client's log lines; nil
	// discards them.
	Logger *slog.Logger
	// Metrics receives the store's collectors; nil registers nowhere.
	Metrics prometheus.Registerer
	// ResubscribeBackoff is the first wait before re-opening a dropped
	// subscription or read; it doubles on each failure in a row up to
	// MaxResubscribeBackoff.
	ResubscribeBackoff    time.Duration
	MaxResubscribeBackoff time.Duration
	// MaxInflightAppends bounds the appends waiting for the server; beyond
	// it Append returns events.ErrOverloaded at once.
	MaxInflightAppends int
	// MaxAppendBytes bounds one append's data plus metadata (the server's
	// --max-append-size); larger appends get events.ErrTooLarge.
	MaxAppendBytes int
	// PageSize is the most events asked of the server per read request.
	PageSize int
}

// Validate reports a Config that cannot work.
func (c Config) Validate() error {
	switch {
	case c.URL == "":
		return errors.New("esdb: config: URL is empty")
	case c.ResubscribeBackoff < 0, c.MaxResubscribeBackoff < 0:
		return fmt.Errorf("esdb: config: negative backoff (%s, %s)", c.ResubscribeBackoff, c.MaxResubscribeBackoff)
	case c.MaxInflightAppends < 0, c.MaxAppendBytes < 0, c.PageSize < 0:
		return fmt.Errorf("esdb: config: negative limit (inflight %d, append bytes %d, page %d)",
			c.MaxInflightAppends, c.MaxAppendBytes, c.PageSize)
	}
	return nil
}

func (c Config) withDefaults() Config {
	c.MaxAppendBytes = orDefault(c.MaxAppendBytes, DefaultMaxAppendBytes)
	c.MaxInflightAppends = orDefault(c.MaxInflightAppends, DefaultMaxInflightAppends)
	c.PageSize = orDefault(c.PageSize, DefaultPageSize)
	c.ResubscribeBackoff = orDefault(c.ResubscribeBackoff, DefaultResubscribeBackoff)
	c.MaxResubscribeBackoff = orDefault(c.MaxResubscribeBackoff, DefaultMaxResubscribeBackoff)
	c.MaxResubscribeBackoff = max(c.MaxResubscribeBackoff, c.ResubscribeBackoff)
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
