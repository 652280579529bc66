package gctarget

import (
	"runtime/metrics"
	"time"
)

// The runtime/metrics the sampler reads (all cumulative but live).
var sampled = []string{
	"/gc/heap/allocs:bytes",
	"/gc/heap/live:bytes",
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
}

// reading is one read of the sampled metrics.
type reading struct {
	at     time.Time
	allocs uint64  // bytes allocated since the start
	live   uint64  // live heap marked by the last cycle
	cycles uint64  // completed cycles
	gcCPU  float64 // collector CPU-seconds since the start
}

// sampler turns successive readings into Samples: the rate of the last
// interval, its peak over a window, and the mark cost per live byte
// measured over the intervals that completed a cycle.
type sampler struct {
	buf   []metrics.Sample
	last  reading
	rates []float64 // ring of the last window rates
	next  int
	cost  float64
	// atCycle is the last reading that saw a cycle complete: the
	// collector's CPU since then belongs to the cycles completed since.
	atCycle reading
}

func newSampler(window int) *sampler {
	s := &sampler{buf: make([]metrics.Sample, len(sampled)), rates: make([]float64, window), cost: DefaultMarkCost}
	for i, name := range sampled {
		s.buf[i].Name = name
	}
	s.last = s.read(time.Now())
	s.atCycle = s.last
	return s
}

// read reads the metrics now.
func (s *sampler) read(now time.Time) reading {
	metrics.Read(s.buf)
	return reading{at: now, allocs: uint64Of(s.buf[0]), live: uint64Of(s.buf[1]),
		cycles: uint64Of(s.buf[2]), gcCPU: float64Of(s.buf[3])}
}

// sample reads the metrics and returns the Sample since the last call.
func (s *sampler) sample(now time.Time) Sample {
	r := s.read(now)
	prev := s.last
	s.last = r
	secs := r.at.Sub(prev.at).Seconds()
	if secs <= 0 {
		secs = 1e-3
	}
	rate := float64(r.allocs-prev.allocs) / secs
	s.rates[s.next] = rate
	s.next = (s.next + 1) % len(s.rates)
	s.measureCost(r)
	return Sample{Rate: rate, Peak: peak(s.rates), Live: float64(r.live), MarkCost: s.cost}
}

// measureCost updates the mark cost when cycles have completed since
// the last time: their collector CPU per cycle over the live heap,
// averaged with the earlier estimate (weight 1/4 for the new one).
func (s *sampler) measureCost(r reading) {
	n := r.cycles - s.atCycle.cycles
	if n == 0 {
		return
	}
	cpu := r.gcCPU - s.atCycle.gcCPU
	s.atCycle = r
	if r.live == 0 || cpu <= 0 {
		return
	}
	c := cpu / float64(n) / float64(r.live)
	s.cost += (c - s.cost) / 4
}

func peak(rates []float64) float64 {
	p := 0.0
	for _, r := range rates {
		p = max(p, r)
	}
	return p
}

func uint64Of(s metrics.Sample) uint64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s.Value.Uint64()
}

func float64Of(s metrics.Sample) float64 {
	if s.Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s.Value.Float64()
}
