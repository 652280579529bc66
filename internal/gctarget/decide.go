package gctarget

import "math"

// Sample is what Decide needs of the process, measured over the last
// interval(s).
type Sample struct {
	// Rate is the allocation rate of the last interval, bytes per second.
	Rate float64
	// Peak is the highest Rate of the last Window intervals.
	Peak float64
	// Live is the heap the last cycle marked live, bytes.
	Live float64
	// MarkCost is the collector's CPU time per live byte and cycle,
	// seconds (measured by the Controller, DefaultMarkCost before).
	MarkCost float64
}

// margin is the hysteresis: the percent falls only to what margin times
// the peak rate would want, and rises only above what the rate wants,
// so a rate between the two leaves it where it is.
const margin = 2

// Decide returns the percent for a process running at current: raised
// at once to what s.Rate wants, lowered to what margin × s.Peak wants,
// else current. The result is within [Min, Max] of cfg (defaults filled).
func Decide(cfg Config, current int, s Sample) int {
	cfg = cfg.withDefaults()
	current = min(max(current, cfg.Min), cfg.Max)
	if up := want(cfg, s.Rate, s); up > current {
		return up
	}
	if down := want(cfg, margin*s.Peak, s); down < current {
		return down
	}
	return current
}

// want is the percent p that minimises the collector's CPU plus the
// price of the heap it lets grow, a core being worth BytesPerCore:
//
//	100 × cost × rate / p  +  live × (1 + p/100) / BytesPerCore
//
// whose minimum is at p = 100 × √(cost × rate × BytesPerCore / live):
// it grows with the heap's turnover (rate / live). Rounded up to a
// multiple of step, within [Min, Max].
func want(cfg Config, rate float64, s Sample) int {
	cost := s.MarkCost
	if cost <= 0 {
		cost = DefaultMarkCost
	}
	if s.Live <= 0 {
		return cfg.Max // no cycle yet: nothing to weigh
	}
	p := 100 * math.Sqrt(cost*max(rate, 0)*cfg.BytesPerCore/s.Live)
	p = math.Ceil(p/step) * step
	return int(min(max(p, float64(cfg.Min)), float64(cfg.Max)))
}
