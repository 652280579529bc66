package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLiteConfig configures OpenSQLite. Path is required (the server uses
// <data>/readmodel.db). ReadOnly opens the file for queries only, for tools
// that must not write (linkup projections status); the file must exist.
// MaxReaders bounds the connections serving queries (default 4).
type SQLiteConfig struct {
	Path       string
	ReadOnly   bool
	MaxReaders int
}

// Validate reports a missing path or a negative bound.
func (c SQLiteConfig) Validate() error {
	if c.Path == "" {
		return fmt.Errorf("%w: sqlite read model needs a path", ErrInvalidConfig)
	}
	if c.MaxReaders < 0 {
		return fmt.Errorf("%w: MaxReaders must not be negative", ErrInvalidConfig)
	}
	return nil
}

// SQLite is the read model in one SQLite file (WAL mode): one writer
// connection, a small pool of readers. Tables are documented in doc.go.
type SQLite struct {
	cfg    SQLiteConfig
	writer *sql.DB // nil when read-only
	reader *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared on writer, by SQL text
}

var _ ReadModel = (*SQLite)(nil)

// OpenSQLite opens (creating unless read-only) the read model at cfg.Path
// and makes sure the live tables of every projection exist.
func OpenSQLite(cfg SQLiteConfig) (*SQLite, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxReaders == 0 {
		cfg.MaxReaders = 4
	}
	s := &SQLite{cfg: cfg, stmts: map[string]*sql.Stmt{}}
	if err := s.open(); err != nil {
		s.Close()
		return nil, fmt.Errorf("projections: open %s: %w", cfg.Path, err)
	}
	return s, nil
}

func (s *SQLite) open() error {
	if s.cfg.ReadOnly {
		if _, err := os.Stat(s.cfg.Path); err != nil {
			return err
		}
		return s.openReader()
	}
	if err := os.MkdirAll(filepath.Dir(s.cfg.Path), 0o700); err != nil {
		return err
	}
	w, err := sql.Open("sqlite", dsn(s.cfg.Path, "_txlock=immediate"))
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	s.writer = w
	if err := s.createSchema(context.Background()); err != nil {
		return err
	}
	return s.openReader()
}

func (s *SQLite) openReader() error {
	extra := ""
	if s.cfg.ReadOnly {
		extra = "mode=ro"
	}
	r, err := sql.Open("sqlite", dsn(s.cfg.Path, extra))
	if err != nil {
		return err
	}
	r.SetMaxOpenConns(s.cfg.MaxReaders)
	s.reader = r
	return r.Ping()
}

// dsn builds the modernc DSN: WAL, a busy timeout so writers of two
// processes (the server and `linkup projections rebuild`) queue rather than
// fail, and synchronous=NORMAL: a process crash loses no committed
// transaction, and rows and checkpoint always commit together.
func dsn(path, extra string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	u := "file:" + path + "?" + q.Encode()
	if extra != "" {
		u += "&" + extra
	}
	return u
}

// Close closes both pools.
func (s *SQLite) Close() error {
	var errs []error
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	return errors.Join(errs...)
}

// stmt returns the writer's prepared statement for query.
func (s *SQLite) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.writer.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

// forgetStmts drops cached statements after a schema swap (SQLite would
// re-prepare them, but table names of a finished rebuild set are gone).
func (s *SQLite) forgetStmts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for q, st := range s.stmts {
		st.Close()
		delete(s.stmts, q)
	}
}

// timeFormat stores instants as fixed-width UTC text, so that text order is
// time order and an analyst reads them in the sqlite3 shell.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }
