package esdb

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/linkup-chat/linkup/events"
)

var _ events.Store = (*Store)(nil)

// Store is an events.Store on an EventStoreDB server. All methods are safe
// for concurrent use.
type Store struct {
	cfg      Config
	clientCf *esdb.Configuration
	metrics  *metrics
	log      *slog.Logger
	// slots bounds the appends in flight (MaxInflightAppends).
	slots chan struct{}

	mu     sync.Mutex
	calls  sync.WaitGroup // client calls running (see call)
	client *esdb.Client
	closed bool
	// done is closed by Close; every operation's context ends with it.
	done     context.Context
	stopDone context.CancelFunc
}

// New parses cfg.URL and returns a store. It does not contact the server:
// the client connects on first use, and reconnects by itself.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ccf, err := esdb.ParseConnectionString(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("esdb: parse URL: %w", err)
	}
	ccf.Logger = clientLogger(cfg.Logger)
	s := &Store{cfg: cfg, clientCf: ccf, log: cfg.Logger, slots: make(chan struct{}, cfg.MaxInflightAppends)}
	if s.metrics, err = newMetrics(cfg.Metrics, func() float64 { return float64(len(s.slots)) }); err != nil {
		return nil, err
	}
	if s.client, err = esdb.NewClient(ccf); err != nil {
		return nil, fmt.Errorf("esdb: new client: %w", err)
	}
	s.done, s.stopDone = context.WithCancel(context.Background())
	return s, nil
}

// Close ends every running operation (their iterators yield
// events.ErrClosed) and releases the connection. Later calls return
// events.ErrClosed.
//
// Close waits (at most a few seconds) for the client calls it cancelled to
// return before closing the client, which panics on a call racing with its
// Close; a call still parked after that leaves the client unclosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.stopDone()
	c := s.client
	s.mu.Unlock()
	if !s.waitCalls(closeWait) {
		s.log.Warn("esdb: client calls still running after close; leaving the client open")
		return nil
	}
	return c.Close()
}

// current returns the client to use, or ErrClosed.
func (s *Store) current() (*esdb.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, events.ErrClosed
	}
	return s.client, nil
}

// revive replaces old by a fresh client if err shows that old's connection
// state machine has given up (the client does not recover from a failed
// discovery by itself: every later call fails with "connection is closed").
// The old client is not closed: its state machine has already exited.
func (s *Store) revive(old *esdb.Client, err error) {
	if !isDeadClient(err) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.client != old {
		return
	}
	c, nerr := esdb.NewClient(s.clientCf)
	if nerr != nil {
		s.log.Error("esdb: cannot replace dead client", "err", nerr)
		return
	}
	s.client = c
	s.metrics.revivals.Inc()
	s.log.Warn("esdb: replaced gRPC client after its connection gave up", "err", err)
}

// opContext returns a context that ends with ctx or with Close.
func (s *Store) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.done, cancel)
	return ctx, func() { stop(); cancel() }
}

// ctxErr returns why an operation under ctx ended early: events.ErrClosed
// after Close, else ctx's own error, else nil.
func (s *Store) ctxErr(ctx context.Context) error {
	if s.done.Err() != nil {
		return events.ErrClosed
	}
	return ctx.Err()
}

func (s *Store) isClosed() bool { return s.done.Err() != nil }

// clientLogger routes the client's log lines to l, one level down: the
// client logs every dropped stream as an error, which the store handles.
func clientLogger(l *slog.Logger) esdb.LoggingFunc {
	return func(level esdb.LogLevel, format string, args ...any) {
		lv := slog.LevelDebug
		if level == esdb.LogError || level == esdb.LogWarn {
			lv = slog.LevelInfo
		}
		l.Log(context.Background(), lv, "esdb client: "+fmt.Sprintf(format, args...))
	}
}
