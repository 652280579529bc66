package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// histSub is the number of linear sub-buckets per power of two: values are
// kept with a relative error under 1/histSub (about 1.6 %).
const (
	histSubBits = 6
	histSub     = 1 << histSubBits
	histBuckets = 40 * histSub // up to 2^40 ns, about 18 minutes
)

// Hist is a log-linear latency histogram in nanoseconds. Record is safe for
// concurrent use; Merge and the quantiles are exact on counts.
type Hist struct {
	counts [histBuckets]atomic.Uint64
	max    atomic.Int64
}

// bucketOf maps a value to its bucket index.
func bucketOf(v int64) int {
	if v < histSub {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - histSubBits - 1
	i := (e+1)*histSub + int(uint64(v)>>uint(e)) - histSub
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// bucketHigh is the largest value bucket i holds.
func bucketHigh(i int) int64 {
	if i < histSub {
		return int64(i)
	}
	e := i/histSub - 1
	return (int64(histSub+i%histSub+1) << uint(e)) - 1
}

// Record adds one observation.
func (h *Hist) Record(d time.Duration) {
	v := int64(d)
	h.counts[bucketOf(v)].Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count is the number of observations.
func (h *Hist) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Quantile returns the upper bound of the bucket holding quantile q (0..1),
// never above the exact maximum.
func (h *Hist) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(min(bucketHigh(i), h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

// Max is the largest observation.
func (h *Hist) Max() time.Duration { return time.Duration(h.max.Load()) }

// Merge adds o's observations to h.
func (h *Hist) Merge(o *Hist) {
	for i := range o.counts {
		if c := o.counts[i].Load(); c > 0 {
			h.counts[i].Add(c)
		}
	}
	if m := o.max.Load(); m > h.max.Load() {
		h.max.Store(m)
	}
}

// HistJSON is a histogram on the wire between workers and the parent:
// sparse [bucket, count] pairs and the maximum.
type HistJSON struct {
	Buckets [][2]uint64 `json:"b,omitempty"`
	Max     int64       `json:"max"`
}

// Export returns the sparse form.
func (h *Hist) Export() HistJSON {
	out := HistJSON{Max: h.max.Load()}
	for i := range h.counts {
		if c := h.counts[i].Load(); c > 0 {
			out.Buckets = append(out.Buckets, [2]uint64{uint64(i), c})
		}
	}
	return out
}

// Import adds a sparse histogram to h; out-of-range buckets are an error.
func (h *Hist) Import(j HistJSON) error {
	for _, b := range j.Buckets {
		if b[0] >= histBuckets {
			return errBadHist
		}
		h.counts[b[0]].Add(b[1])
	}
	if j.Max > h.max.Load() {
		h.max.Store(j.Max)
	}
	return nil
}
