package gctarget

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults of the zero Config.
const (
	DefaultMin = 25
	DefaultMax = 100
	// DefaultBytesPerCore prices one core of collector CPU at 512 MiB of
	// heap: 1 % of a core for 5 MiB.
	DefaultBytesPerCore = 512 << 20
	DefaultInterval     = time.Second
	DefaultWindow       = 5
	// DefaultMarkCost is the CPU time to mark one live byte before the
	// first measured cycle (Go marks a few hundred MB/s per core).
	DefaultMarkCost = 3e-9
	// MaxWindow bounds the samples kept for the peak rate.
	MaxWindow = 600
)

// step: targets are multiples of it (between Min and Max), so a rate
// that wobbles does not move the target by a percent or two each time.
const step = 5

// Config tunes a Controller; the zero value means the defaults.
type Config struct {
	// Min and Max bound the percent (default 25 and 100). Max is what a
	// busy process runs at; Min what a quiet one does.
	Min, Max int
	// BytesPerCore is what one core of collector CPU is worth in heap
	// bytes (default 512 MiB): the lower it is, the more CPU the
	// collector may spend to keep the heap small.
	BytesPerCore float64
	// Interval between samples (default 1 s).
	Interval time.Duration
	// Window is how many samples the rate must have stayed low for
	// before the percent falls (default 5).
	Window int
	// Logger, if set, gets one Debug line per change (the rate, the
	// peak, the live heap and the mark cost it was decided on).
	Logger *slog.Logger
}

// Validate reports a config New refuses.
func (c Config) Validate() error {
	d := c.withDefaults()
	switch {
	case d.Min < 1 || d.Max < d.Min:
		return fmt.Errorf("%w (Min %d, Max %d)", ErrBounds, d.Min, d.Max)
	case d.BytesPerCore < 0:
		return fmt.Errorf("%w (BytesPerCore %g)", ErrPrice, d.BytesPerCore)
	case d.Interval < 0:
		return fmt.Errorf("%w (Interval %s)", ErrInterval, d.Interval)
	case d.Window < 0 || d.Window > MaxWindow:
		return fmt.Errorf("%w (Window %d)", ErrWindow, d.Window)
	}
	return nil
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.Min == 0 {
		c.Min = DefaultMin
		if c.Max > 0 {
			c.Min = min(DefaultMin, c.Max)
		}
	}
	if c.Max == 0 {
		c.Max = max(DefaultMax, c.Min)
	}
	if c.BytesPerCore == 0 {
		c.BytesPerCore = DefaultBytesPerCore
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	return c
}
