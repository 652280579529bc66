package projections

import "runtime"

// applyYieldEvery is how many handled events a batch applies between two
// yields of its core. A paced batch applies everything that came in
// BatchDelay at once (10,000 events at 10,000 events/s, 3.7 to 7 µs each:
// 40 to 70 ms of straight CPU per projection); without a yield the live
// goroutines queued behind it on its P (chat actors, connection writes,
// the store's writer) wait for Go's 10 ms preemption. 32 events are
// 120 to 220 µs of work, and a yield with nothing queued costs well under
// a microsecond.
const applyYieldEvery = 32

// cpuYielder lets queued goroutines run every `every` ticks. The runner
// ticks it once per event a projection handles, so a long batch runs in
// slices instead of one burst.
type cpuYielder struct {
	every int
	n     int
	yield func() // runtime.Gosched; tests count the calls
}

func newCPUYielder(every int, yield func()) *cpuYielder {
	if yield == nil {
		yield = runtime.Gosched
	}
	return &cpuYielder{every: every, yield: yield}
}

// tick counts one unit of work and yields on every `every`-th.
func (y *cpuYielder) tick() {
	y.n++
	if y.n >= y.every {
		y.n = 0
		y.yield()
	}
}
