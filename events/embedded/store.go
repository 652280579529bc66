package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/linkup-chat/linkup/events"
)

var _ events.Store = (*Store)(nil)

// Store is the embedded events.Store: one SQLite file written by one
// goroutine with group commit, read through a pool of read connections.
// All methods are safe for concurrent use.
type Store struct {
	cfg     Config
	rdb     *sql.DB
	w       *writer // nil when read-only
	notify  *notifier
	feed    *feed // recent commits for subscriptions; nil when read-only
	names   *names
	raw     *rawStmts
	legacy  bool // a read-only store of schema version 2 (legacy.go)
	metrics *metrics
	lock    *os.File

	mu     sync.RWMutex // guards closed against Append's queue send
	closed bool
	done   chan struct{} // closed by Close
}

// Open opens (or, unless ReadOnly, creates) the store in cfg.Dir.
func Open(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Store{cfg: cfg, notify: newNotifier(), names: newNames(), done: make(chan struct{})}
	if err := s.open(context.Background()); err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if !s.cfg.ReadOnly {
		if err := s.openWriter(ctx); err != nil {
			return err
		}
	}
	rdb, v, err := openReaderDB(ctx, s.cfg.Dir, s.cfg.ReadConns)
	if err != nil {
		return err
	}
	s.rdb, s.raw, s.legacy = rdb, newRawStmts(), v == 2
	m, err := newMetrics(s.cfg.Metrics, s.queueDepth, s.walPages, s.tailRows, s.feed)
	if err != nil {
		return err
	}
	s.metrics = m
	if s.w != nil {
		s.w.setMetrics(m)
		s.w.start()
	}
	return nil
}

func (s *Store) openWriter(ctx context.Context) error {
	if err := os.MkdirAll(s.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("embedded: open %s: %w", s.cfg.Dir, err)
	}
	chooseSync(s.cfg.SyncWithFsync, s.cfg.Logger)
	lock, err := lockDir(s.cfg.Dir)
	if err != nil {
		return err
	}
	s.lock = lock
	w, err := newWriter(ctx, s.cfg, s.notify)
	if err != nil {
		return err
	}
	s.w, s.feed = w, w.feed
	return nil
}

func (s *Store) queueDepth() float64 {
	if s.w == nil {
		return 0
	}
	return float64(len(s.w.queue))
}

func (s *Store) walPages() float64 {
	if s.w == nil {
		return 0
	}
	return float64(s.w.walPages.Load())
}

func (s *Store) tailRows() float64 {
	if s.w == nil {
		return 0
	}
	return float64(s.w.tailRows.Load())
}

// Head returns the position of the last committed event.
func (s *Store) Head(ctx context.Context) (uint64, error) {
	if s.isClosed() {
		return 0, events.ErrClosed
	}
	if s.w != nil {
		return s.w.committed.Load(), nil
	}
	var head uint64
	err := s.rdb.QueryRowContext(ctx, "SELECT COALESCE(MAX(position), 0) FROM events").Scan(&head)
	if err != nil {
		return 0, s.readErr("head", err)
	}
	return head, nil
}

// Close stops accepting appends, commits every append already accepted,
// ends subscriptions (with events.ErrClosed) and closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return events.ErrClosed
	}
	s.closed = true
	close(s.done)
	if s.w != nil {
		s.w.shutdown()
	}
	s.mu.Unlock()
	return s.release()
}

// release waits for the writer and closes whatever open managed to open.
func (s *Store) release() error {
	var errs []error
	if s.w != nil {
		errs = append(errs, s.w.stop())
	}
	if s.raw != nil {
		errs = append(errs, s.raw.close())
	}
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

func (s *Store) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// readErr maps a read failure to ErrClosed after Close, else wraps it.
func (s *Store) readErr(op string, err error) error {
	if s.isClosed() {
		return events.ErrClosed
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("embedded: %s: %w", op, err)
}
