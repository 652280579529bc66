package gctarget

import (
	"context"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Controller keeps the process's GC percent at what Decide says. Its
// methods are safe for concurrent use; Run must run once at a time.
type Controller struct {
	cfg     Config
	percent atomic.Int64
	changes atomic.Uint64
}

// New returns a controller that has changed nothing yet: Run sets Max
// at once, then follows the samples.
func New(cfg Config) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Controller{cfg: cfg.withDefaults()}
	c.percent.Store(int64(c.cfg.Max))
	return c, nil
}

// Percent is the target set last (Max before Run).
func (c *Controller) Percent() int { return int(c.percent.Load()) }

// Changes counts the calls to debug.SetGCPercent after the first.
func (c *Controller) Changes() uint64 { return c.changes.Load() }

// Run sets Max, then samples every Interval and sets the percent Decide
// returns whenever it differs, until ctx ends. It leaves the last
// percent set.
func (c *Controller) Run(ctx context.Context) {
	debug.SetGCPercent(c.Percent())
	s := newSampler(c.cfg.Window)
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.step(s.sample(now))
		}
	}
}

// step applies one sample.
func (c *Controller) step(s Sample) {
	cur := c.Percent()
	next := Decide(c.cfg, cur, s)
	if next == cur {
		return
	}
	debug.SetGCPercent(next)
	c.percent.Store(int64(next))
	c.changes.Add(1)
	if c.cfg.Logger != nil {
		c.cfg.Logger.Debug("gc target", "percent", next, "from", cur, "alloc_bytes_per_s", int64(s.Rate),
			"peak_bytes_per_s", int64(s.Peak), "live_bytes", int64(s.Live), "mark_ms_per_mb", s.MarkCost*1e9)
	}
}
