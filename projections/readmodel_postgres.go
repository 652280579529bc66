package projections

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresConfig configures OpenPostgres. URL is required
// (postgres://user:password@host:5432/db?sslmode=...; a search_path
// parameter puts the tables in another schema). The zero value of every
// other field means its default.
type PostgresConfig struct {
	URL string
	// ReadOnly opens for queries only (linkup projections status): no
	// migration, every transaction read-only, and the schema must exist.
	ReadOnly bool
	// MaxConns bounds the pool shared by queries and writers (default 8).
	MaxConns int32
	// ConnectTimeout bounds opening: the first connection and the
	// migrations (default 10s).
	ConnectTimeout time.Duration
	// SwapLockTimeout bounds one attempt of a rebuild's swap to lock the
	// live tables (default 2s: longer than PostgreSQL's deadlock_timeout,
	// 1s, after which it cancels an autovacuum that blocks the swap);
	// queries queue behind an attempt at most that long. SwapLockAttempts
	// bounds the attempts (default 15), after which the rebuild fails and
	// the live tables are untouched.
	SwapLockTimeout  time.Duration
	SwapLockAttempts int
}

// Validate reports a missing or malformed URL and negative bounds. Its
// errors never contain the password.
func (c PostgresConfig) Validate() error {
	if c.URL == "" {
		return fmt.Errorf("%w: postgres read model needs a URL", ErrInvalidConfig)
	}
	if c.MaxConns < 0 || c.ConnectTimeout < 0 || c.SwapLockTimeout < 0 || c.SwapLockAttempts < 0 {
		return fmt.Errorf("%w: negative bound", ErrInvalidConfig)
	}
	if _, err := pgxpool.ParseConfig(c.URL); err != nil {
		return fmt.Errorf("%w: malformed PostgreSQL URL %s: %s", ErrInvalidConfig, RedactURL(c.URL), parseReason(c.URL, err))
	}
	return nil
}

func (c PostgresConfig) withDefaults() PostgresConfig {
	if c.MaxConns == 0 {
		c.MaxConns = 8
	}
	c.ConnectTimeout = orDefault(c.ConnectTimeout, 10*time.Second)
	c.SwapLockTimeout = orDefault(c.SwapLockTimeout, 2*time.Second)
	c.SwapLockAttempts = orDefault(c.SwapLockAttempts, 15)
	return c
}

// Postgres is the read model in a PostgreSQL database: the tables of
// pgmigrations/*.sql (documented in docs/READMODEL.md) behind one pool.
// Queries read the last committed rows (MVCC: they never wait for a
// writer); writers of one projection are serialised by an advisory lock;
// a rebuild's swap holds the live tables' locks only for its DDL.
type Postgres struct {
	cfg  PostgresConfig
	pool *pgxpool.Pool
}

var _ ReadModel = (*Postgres)(nil)

// OpenPostgres connects to cfg.URL and, unless ReadOnly, migrates the
// schema to the version this linkup knows. It fails with ErrSchemaTooNew
// when the database holds a newer schema, and with ErrNoSchema when a
// read-only open finds none. Its errors never contain the password.
func OpenPostgres(ctx context.Context, cfg PostgresConfig) (*Postgres, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil { // Validate parsed it already
		return nil, fmt.Errorf("%w: malformed PostgreSQL URL %s", ErrInvalidConfig, RedactURL(cfg.URL))
	}
	pc.MaxConns = cfg.MaxConns
	if cfg.ReadOnly {
		pc.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, cfg.openError(err)
	}
	p := &Postgres{cfg: cfg, pool: pool}
	if err := p.open(ctx); err != nil {
		pool.Close()
		return nil, cfg.openError(err)
	}
	return p, nil
}

func (p *Postgres) open(ctx context.Context) error {
	if err := p.pool.Ping(ctx); err != nil {
		return err
	}
	if p.cfg.ReadOnly {
		return p.checkVersion(ctx)
	}
	return p.migrate(ctx)
}

// parseReason is why pgx could not parse raw, without the connection
// string it quotes.
func parseReason(raw string, err error) string {
	msg := oneLine(Redact(raw, err.Error()))
	if rest, ok := strings.CutPrefix(msg, "cannot parse `"); ok {
		if _, reason, ok := strings.Cut(rest, "`: "); ok {
			return reason
		}
	}
	return msg
}

// oneLine puts a multi-line message (pgx lists each connection attempt on
// its own line) on one line, without repeated lines.
func oneLine(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l != "" && !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		return strings.Join(lines, "")
	}
	return lines[0] + " " + strings.Join(lines[1:], "; ")
}

// openError prefixes err with the URL, password removed, on one line.
func (c PostgresConfig) openError(err error) error {
	msg := oneLine(Redact(c.URL, err.Error()))
	return fmt.Errorf("projections: open read model %s: %w", RedactURL(c.URL), redactedError{msg: msg, err: err})
}

// redactedError carries a cleaned message but keeps the cause for errors.Is.
type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }

// Close closes the pool.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// lockKey is the advisory-lock key that serialises writers of one table
// set of one projection (cpName: name, or name + set while rebuilding).
func lockKey(cpName string) int64 {
	h := fnv.New64a()
	h.Write([]byte("linkup.readmodel." + cpName))
	return int64(h.Sum64())
}

// ident quotes a table or index name for SQL text.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// isCode reports whether err is a PostgreSQL error with SQLSTATE code.
func isCode(err error, code string) bool {
	var pe interface{ SQLState() string }
	return errors.As(err, &pe) && pe.SQLState() == code
}
