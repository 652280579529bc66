package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/linkup-chat/linkup/events"
)

// Store is the events.Store over PostgreSQL.
type Store struct {
	cfg     Config
	pool    *pgxpool.Pool
	w       *writer // nil when read-only
	l       *listener
	notify  *notifier
	metrics *metrics

	mu     sync.RWMutex // guards closed against enqueue
	closed bool
	done   chan struct{} // closed by Close
	once   sync.Once
}

var _ events.Store = (*Store)(nil)

// Open connects to cfg.URL, creates or migrates the schema (unless
// ReadOnly) and starts the writer and the LISTEN connection. Errors never
// contain the URL's password.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	pool, err := newPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, pool: pool, notify: newNotifier(), done: make(chan struct{})}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, redactErr(cfg.URL, err)
	}
	return s, nil
}

func newPool(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURL, redact(cfg.URL, err.Error()))
	}
	pc.MaxConns = int32(cfg.MaxConns)
	pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	setSessionParams(&pc.ConnConfig.Config, cfg)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadURL, redact(cfg.URL, err.Error()))
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w: cannot connect to %s: %s", ErrUnavailable, Describe(cfg.URL), redact(cfg.URL, err.Error()))
	}
	return pool, nil
}

func (s *Store) init(ctx context.Context) error {
	var err error
	if s.cfg.ReadOnly {
		err = checkReadOnly(ctx, s.pool)
	} else {
		err = migrate(ctx, s.pool)
	}
	if err != nil {
		return err
	}
	depth := func() float64 { return 0 }
	if !s.cfg.ReadOnly {
		s.w = newWriter(s)
		depth = func() float64 { return float64(len(s.w.queue)) }
	}
	if s.metrics, err = newMetrics(s.cfg.Metrics, depth); err != nil {
		return err
	}
	s.l = startListener(s)
	if s.w != nil {
		go s.w.run()
	}
	return nil
}

// Head returns the position of the last committed event (0 when empty).
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if s.isClosed() {
		return 0, events.ErrClosed
	}
	var h int64
	if err := s.pool.QueryRow(ctx, headSQL).Scan(&h); err != nil {
		return 0, s.dbErr("head", err)
	}
	return uint64(h), nil
}

const headSQL = "SELECT COALESCE(MAX(position), 0) FROM linkup_events"

// Close stops the writer (after it has answered every queued append), the
// listener and the pool. Subscriptions end with events.ErrClosed.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.done)
		if s.w != nil {
			s.w.stop()
		}
		s.l.stop()
		s.pool.Close()
	})
	return nil
}

func (s *Store) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// dbErr turns a database failure into an error wrapping ErrUnavailable
// (or ErrClosed, or the context's error), without the password.
func (s *Store) dbErr(what string, err error) error {
	switch {
	case s.isClosed():
		return events.ErrClosed
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	return fmt.Errorf("postgres: %s: %w: %s", what, ErrUnavailable, redact(s.cfg.URL, err.Error()))
}

// Describe returns rawURL's user, host, port and database, without the
// password, for messages.
func Describe(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "the configured database"
	}
	u.User = url.User(u.User.Username())
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// redact removes rawURL's password from msg and makes it one line.
func redact(rawURL, msg string) string {
	for _, pw := range passwords(rawURL) {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return strings.Join(strings.Fields(msg), " ")
}

func redactErr(rawURL string, err error) error {
	msg := err.Error()
	if r := redact(rawURL, msg); r != msg {
		return errors.New(r)
	}
	return err
}

// passwords returns the password of rawURL in the forms it may appear in.
func passwords(rawURL string) []string {
	var out []string
	if u, err := url.Parse(rawURL); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, pw, url.QueryEscape(pw), url.PathEscape(pw))
		}
	}
	// keyword/value form and query parameter: password=...
	for _, sep := range []string{"password=", "password = "} {
		if _, rest, ok := strings.Cut(rawURL, sep); ok {
			pw, _, _ := strings.Cut(rest, " ")
			pw, _, _ = strings.Cut(pw, "&")
			if pw != "" {
				out = append(out, pw)
			}
		}
	}
	return out
}
