package projections

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Runner. Store and ReadModel are required; the zero
// value of every other field means its default.
type Config struct {
	Store     events.Store
	ReadModel ReadModel
	// Projections to run; nil means Default().
	Projections []Projection
	// BatchSize bounds the events of one transaction (default 20,000, so
	// that a paced transaction takes everything that came in BatchDelay up
	// to 20,000 events/s; when it cannot, pacing would cap the throughput
	// at BatchSize per BatchDelay plus a commit, and the lag would grow to
	// its bound).
	BatchSize int
	// QueueSize bounds the deliveries buffered between a subscription and
	// its projection (default 4096); when full, the subscription waits.
	QueueSize int
	// BatchDelay paces the transactions: while the projection is within
	// its lag bounds, a transaction starts at least BatchDelay after the
	// previous one ended (default 1s), so a busy log is applied in few
	// large transactions and the projection leaves the CPU to the live
	// path in between. The first event after a quiet spell commits at once.
	// Larger batches cost less per event: a transaction writes each page
	// it touched once, and in the many-small-chats shape every batch
	// touches each chat's last pages and each member's last marks page
	// (BenchmarkApplyChats, deliveries and read_states together: about
	// 15 µs of CPU per event at 500 events a transaction, what 250 ms
	// gathers at 2,000 events/s; 9 to 10 µs at 2,500).
	BatchDelay time.Duration
	// MaxLagEvents and MaxLag bound how far pacing lets the projection
	// fall behind (default 50,000 events and 5s): past either, it commits
	// full batches back to back until it is within both again.
	MaxLagEvents int
	MaxLag       time.Duration
	// LagInterval is how often lag is sampled into metrics (default 1s).
	LagInterval time.Duration
	// RetryDelay is the pause before resubscribing after a failed batch or
	// subscription (default 500ms).
	RetryDelay time.Duration
	Logger     *slog.Logger
	// Registerer receives the runner's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
}

// Validate reports missing parts and negative bounds.
func (c Config) Validate() error {
	switch {
	case c.Store == nil:
		return fmt.Errorf("%w: runner needs a Store", ErrInvalidConfig)
	case c.ReadModel == nil:
		return fmt.Errorf("%w: runner needs a ReadModel", ErrInvalidConfig)
	case c.BatchSize < 0 || c.QueueSize < 0 || c.LagInterval < 0 || c.RetryDelay < 0,
		c.BatchDelay < 0 || c.MaxLagEvents < 0 || c.MaxLag < 0:
		return fmt.Errorf("%w: negative bound", ErrInvalidConfig)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Projections == nil {
		c.Projections = Default()
	}
	c.BatchSize = orDefault(c.BatchSize, 20_000)
	c.QueueSize = orDefault(c.QueueSize, 4096)
	c.BatchDelay = orDefault(c.BatchDelay, time.Second)
	c.MaxLagEvents = orDefault(c.MaxLagEvents, 50_000)
	c.MaxLag = orDefault(c.MaxLag, 5*time.Second)
	c.LagInterval = orDefault(c.LagInterval, time.Second)
	c.RetryDelay = orDefault(c.RetryDelay, 500*time.Millisecond)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Runner keeps projections up to date with the log: each follows a
// catch-up subscription from its checkpoint and commits rows and checkpoint
// together. Status may be called from any goroutine.
type Runner struct {
	cfg Config
	m   *metrics

	mu     sync.Mutex
	caught map[string]bool // projection has caught up at least once

	// gosched and rest yield and sleep between slices of a batch, slice
	// long (runner_yield.go); nil is runtime.Gosched and time.Sleep, 0 is
	// applySlice; tests count the calls.
	gosched func()
	rest    func(time.Duration)
	slice   time.Duration
}

// NewRunner validates cfg and builds a runner; Run starts it.
func NewRunner(cfg Config) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(cfg)
	if err != nil {
		return nil, err
	}
	return &Runner{cfg: cfg, m: m, caught: map[string]bool{}}, nil
}

// Run projects until ctx is cancelled, then returns nil once every
// projection goroutine has stopped (an open transaction is rolled back;
// the checkpoint stays at the last commit).
func (r *Runner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, p := range r.cfg.Projections {
		wg.Go(func() { r.keepFollowing(ctx, p) })
	}
	wg.Go(func() { r.sampleLag(ctx) })
	wg.Wait()
	return nil
}

// keepFollowing resubscribes from the checkpoint after every failure.
func (r *Runner) keepFollowing(ctx context.Context, p Projection) {
	for ctx.Err() == nil {
		err := r.follow(ctx, p)
		if ctx.Err() != nil {
			return
		}
		r.m.failures.WithLabelValues(p.Name()).Inc()
		r.cfg.Logger.Warn("projection failed, resuming from checkpoint", "projection", p.Name(), "err", err)
		sleep(ctx, r.cfg.RetryDelay)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (r *Runner) setCaughtUp(name string) {
	r.mu.Lock()
	r.caught[name] = true
	r.mu.Unlock()
}

func (r *Runner) caughtUp(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.caught[name]
}
