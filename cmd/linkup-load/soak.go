package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"
)

// Soak limits and "flat" thresholds. A soak compares the last third of its
// samples with the middle third (the first third is warm-up: connection
// setup, caches and SQLite pages filling). The thresholds sit above the noise
// of a healthy run and below what a per-reconnect or per-message leak
// produces over a third of a 30-minute run (see docs/BENCHMARKS.md, Soak):
//   - RSS: the Go heap breathes with GC (GOGC=100), so the median of a third
//     moves by a few per cent without a leak; growth must stay under 10 %.
//   - goroutines and fds: one connection holds a few goroutines and one fd,
//     and with churn some connections are always mid-reconnect, so the
//     count jitters by tens (in-flight reconnects, syncs and flushes at the
//     sample instant); growth must stay within +5 % or +50 absolute,
//     whichever is looser. A leak only adds, so a fall is reported but not
//     failed: lost connections are caught by the alive and delivery checks.
const (
	maxSoak       = 2 * time.Hour
	maxSamples    = 1000
	maxRSSGrowth  = 0.10
	maxCountRel   = 0.05
	maxCountDelta = 50
	minSamples    = 3 // one per third at least
)

// series is the soak's bounded list of server samples; safe for concurrent use.
type series struct {
	mu      sync.Mutex
	samples []Sample
	dropped int
}

// add keeps s unless the series holds maxSamples already.
func (s *series) add(x Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) >= maxSamples {
		s.dropped++
		return
	}
	s.samples = append(s.samples, x)
}

func (s *series) list() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.samples)
}

// Verdict is the soak's "flat" judgement.
type Verdict struct {
	Pass            bool     `json:"pass"`
	Samples         int      `json:"samples"`
	RSSMiddle       int64    `json:"rss_middle"` // medians of the middle and last thirds
	RSSLast         int64    `json:"rss_last"`
	RSSGrowth       float64  `json:"rss_growth"` // relative, last vs middle
	GoroutineMiddle int      `json:"goroutines_middle"`
	GoroutineLast   int      `json:"goroutines_last"`
	GoroutineGrowth float64  `json:"goroutines_growth"`
	FDMiddle        int      `json:"fds_middle"`
	FDLast          int      `json:"fds_last"`
	FDGrowth        float64  `json:"fds_growth"`
	Failures        []string `json:"failures,omitempty"`
}

// judge compares the last third of samples with the middle third and
// checks that every client connected and no delivery went missing or came
// twice.
func judge(samples []Sample, r *Result) Verdict {
	v := Verdict{Samples: len(samples)}
	fail := func(f string, a ...any) { v.Failures = append(v.Failures, fmt.Sprintf(f, a...)) }
	if r.Missing != 0 || r.Duplicated != 0 {
		fail("missing %d, duplicated %d (must be 0)", r.Missing, r.Duplicated)
	}
	if r.ConnectFailed != 0 || r.Alive != r.Clients {
		fail("%d of %d clients failed to connect, %d alive at the end (must be all)", r.ConnectFailed, r.Clients, r.Alive)
	}
	if len(samples) < minSamples {
		fail("%d samples, need at least %d", len(samples), minSamples)
		return v
	}
	n := len(samples) / 3 // an uneven count puts the extra samples in the warm-up
	mid, last := samples[len(samples)-2*n:len(samples)-n], samples[len(samples)-n:]
	v.RSSMiddle, v.RSSLast = median(mid, func(s Sample) int64 { return s.RSS }), median(last, func(s Sample) int64 { return s.RSS })
	v.RSSGrowth = growth(v.RSSMiddle, v.RSSLast)
	if v.RSSMiddle <= 0 || v.RSSGrowth >= maxRSSGrowth {
		fail("RSS %s → %s (%+.1f %%, limit +%.0f %%)", mibs(v.RSSMiddle), mibs(v.RSSLast), 100*v.RSSGrowth, 100*maxRSSGrowth)
	}
	v.GoroutineMiddle, v.GoroutineLast, v.GoroutineGrowth = countFlat("goroutines", mid, last, func(s Sample) int { return s.Goroutines }, fail)
	v.FDMiddle, v.FDLast, v.FDGrowth = countFlat("fds", mid, last, func(s Sample) int { return s.FDs }, fail)
	v.Pass = len(v.Failures) == 0
	return v
}

// countFlat checks that a count's median grew by no more than maxCountRel
// or maxCountDelta, whichever is looser.
func countFlat(name string, mid, last []Sample, f func(Sample) int, fail func(string, ...any)) (int, int, float64) {
	m := int(median(mid, func(s Sample) int64 { return int64(f(s)) }))
	l := int(median(last, func(s Sample) int64 { return int64(f(s)) }))
	g := growth(int64(m), int64(l))
	limit := max(maxCountDelta, int(math.Ceil(maxCountRel*float64(m))))
	if m <= 0 || l-m > limit {
		fail("%s %d → %d (%+d, limit +%d)", name, m, l, l-m, limit)
	}
	return m, l, g
}

func median(ss []Sample, f func(Sample) int64) int64 {
	vs := make([]int64, len(ss))
	for i, s := range ss {
		vs[i] = f(s)
	}
	slices.Sort(vs)
	return vs[len(vs)/2]
}

func growth(from, to int64) float64 {
	if from == 0 {
		return 0
	}
	return float64(to-from) / float64(from)
}

func mibs(b int64) string { return fmt.Sprintf("%.1f MiB", mib(b)) }

// printSeries writes the samples as a table of at most rows lines (every
// k-th sample, the last one always), with CPU as a percentage of one core
// since the previous printed row.
func printSeries(w io.Writer, samples []Sample, rows int) {
	if len(samples) == 0 {
		return
	}
	k := (len(samples) + rows - 1) / max(rows, 1)
	fmt.Fprintf(w, "%8s %9s %10s %6s %6s\n", "t", "RSS MiB", "goroutines", "fds", "CPU%")
	prev := samples[0]
	for i, s := range samples {
		if i%k != 0 && i != len(samples)-1 {
			continue
		}
		cpu := 0.0
		if dt := s.At.Sub(prev.At).Seconds(); dt > 0 {
			cpu = 100 * (s.CPU - prev.CPU) / dt
		}
		fmt.Fprintf(w, "%8s %9.1f %10d %6d %6.0f\n", s.At.Sub(samples[0].At).Round(time.Second), mib(s.RSS), s.Goroutines, s.FDs, cpu)
		prev = s
	}
}
