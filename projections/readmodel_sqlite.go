package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLiteConfig configures OpenSQLite. Path is required (the server uses
// <data>/readmodel.db). ReadOnly opens the file for queries only, for tools
// that must not write (linkup projections status); the file must exist.
// MaxReaders bounds the connections serving queries (default 4).
// CacheRows bounds the rows each table set's row cache keeps across
// transactions (readmodel_sqlite_cache.go; default 50,000, about 150
// bytes each); past it the cache starts again empty.
type SQLiteConfig struct {
	Path       string
	ReadOnly   bool
	MaxReaders int
	CacheRows  int
}

// Validate reports a missing path or a negative bound.
func (c SQLiteConfig) Validate() error {
	if c.Path == "" {
		return fmt.Errorf("%w: sqlite read model needs a path", ErrInvalidConfig)
	}
	if c.MaxReaders < 0 || c.CacheRows < 0 {
		return fmt.Errorf("%w: MaxReaders and CacheRows must not be negative", ErrInvalidConfig)
	}
	return nil
}

// SQLite is the read model in one SQLite file (WAL mode): one writer
// connection, a small pool of readers. Tables are documented in doc.go.
type SQLite struct {
	cfg    SQLiteConfig
	writer *sql.DB // nil when read-only
	reader *sql.DB

	mu     sync.Mutex
	stmts  map[string]*sql.Stmt // prepared on writer, by SQL text
	caches map[string]*rowCache // by table set (projection name + set)
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
	if cfg.CacheRows == 0 {
		cfg.CacheRows = 50_000
	}
	s := &SQLite{cfg: cfg, stmts: map[string]*sql.Stmt{}, caches: map[string]*rowCache{}}
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
	w, err := sql.Open("sqlite", writerDSN(s.cfg.Path))
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

// writerDSN is dsn for the one writer connection, tuned for the
// projections' transactions of thousands of rows over many chats: the
// statement journal of a multi-row INSERT OR IGNORE stays in memory
// instead of a temporary file; the cache holds the pages every batch
// touches (each chat's last pages of every table); and the WAL is copied
// into the database every 8,192 pages (32 MiB) instead of SQLite's 1,000,
// so that a page written by many transactions is copied once.
func writerDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "temp_store(memory)")
	q.Add("_pragma", "cache_size(-65536)")
	q.Add("_pragma", "wal_autocheckpoint(8192)")
	return dsn(path, "_txlock=immediate&"+q.Encode())
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

// prepare makes sure the statement templates of name on set are prepared on the
// writer. It runs before BeginTx: the writer has one connection, and
// preparing inside an open transaction would wait for it forever.
func (s *SQLite) prepare(ctx context.Context, name, set string) error {
	for _, tmpl := range txQueries[name] {
		q := setQuery(tmpl, set)
		if s.cached(q) != nil {
			continue
		}
		// Not under s.mu: preparing waits for the writer connection, which
		// a transaction may hold while it calls cached.
		st, err := s.writer.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if _, ok := s.stmts[q]; ok {
			st.Close()
		} else {
			s.stmts[q] = st
		}
		s.mu.Unlock()
	}
	return nil
}

// cached returns the prepared statement for query, or nil.
func (s *SQLite) cached(query string) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stmts[query]
}

// forgetStmts closes the statements of a rebuild's table set once the set
// is gone (swapped in or dropped). Live-set statements stay: SQLite
// re-prepares them after the swap changed the schema.
func (s *SQLite) forgetStmts(set string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for q, st := range s.stmts {
		if set != "" && strings.Contains(q, set) {
			st.Close()
			delete(s.stmts, q)
		}
	}
}

// timeFormat stores instants as fixed-width UTC text, so that text order is
// time order and an analyst reads them in the sqlite3 shell.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	var buf [len(timeFormat)]byte
	return string(appendTimeText(buf[:0], t))
}

func parseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }
