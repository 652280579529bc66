package projections

import (
	"runtime"
	"time"
)

// How a batch's apply leaves the CPU to the live path. A paced batch
// applies everything that came in BatchDelay at once (10,000 events at
// 10,000 events/s, 3.7 to 7 µs each: 40 to 70 ms of straight CPU per
// projection, the three one after the other on the read model's one
// writer). Without a yield, the live goroutines queued behind it on its P
// (chat actors, connection writes, the store's writer) wait for Go's 10 ms
// preemption; without a rest, the burst takes one of the machine's cores
// for its whole length, whoever else needs it.
const (
	// applyYieldEvery is how many handled events a batch applies between
	// two yields (runtime.Gosched): 32 events are 120 to 220 µs of work,
	// and a yield with nothing queued costs well under a microsecond.
	applyYieldEvery = 32
	// applySlice and applyRest cap a paced batch at half a core: after
	// each applySlice of applying, it sleeps applyRest (a batch of 50 ms
	// of work then takes about 100 ms, well inside the 1 s pace). Batches
	// past a lag bound, and catch-up, do not rest.
	applySlice = time.Millisecond
	applyRest  = time.Millisecond
)

// cpuYielder slices a batch's apply: the runner ticks it once per event a
// projection handles; every `every` ticks it yields, or, once a slice of
// work has run and resting is on, sleeps.
type cpuYielder struct {
	every int
	n     int
	slice time.Duration // work between two rests
	rest  time.Duration // 0: never rests
	start time.Time     // of the current slice
	yield func()
	sleep func(time.Duration)
}

// newCPUYielder builds the yielder of one batch; rest 0 only yields.
// Nil hooks are runtime.Gosched and time.Sleep (tests count the calls).
func newCPUYielder(every int, slice, rest time.Duration, yield func(), sleep func(time.Duration)) *cpuYielder {
	if yield == nil {
		yield = runtime.Gosched
	}
	if sleep == nil {
		sleep = time.Sleep
	}
	return &cpuYielder{every: every, slice: slice, rest: rest, start: time.Now(), yield: yield, sleep: sleep}
}

// tick counts one unit of work; every `every`-th yields or rests.
func (y *cpuYielder) tick() {
	y.n++
	if y.n < y.every {
		return
	}
	y.n = 0
	if y.rest > 0 && time.Since(y.start) >= y.slice {
		y.sleep(y.rest)
		y.start = time.Now()
		return
	}
	y.yield()
}
