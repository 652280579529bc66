package actors

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// maxQueuedLoads bounds the store reads waiting for a free slot of the load
// pool. Past it a read is refused at once (the chat answers `unavailable`,
// counted in linkup_load_rejected_total) instead of queueing without bound.
const maxQueuedLoads = 4096

// loadPool runs store reads for actors on goroutines, at most n at once;
// up to maxQueuedLoads more wait for a slot, each in its own goroutine,
// never in an actor.
type loadPool struct {
	sem      chan struct{}
	queued   atomic.Int64
	depth    prometheus.Gauge
	rejected prometheus.Counter
}

func newLoadPool(n int, m *metrics) *loadPool {
	return &loadPool{sem: make(chan struct{}, n), depth: m.loadQueue, rejected: m.loadRejected}
}

// run starts f on a goroutine once a slot is free and reports true; it
// returns at once. It reports false, and never runs f, when maxQueuedLoads
// reads are waiting already.
func (p *loadPool) run(f func()) bool {
	if p.queued.Add(1) > maxQueuedLoads {
		p.queued.Add(-1)
		p.rejected.Inc()
		return false
	}
	p.depth.Inc()
	go func() {
		p.sem <- struct{}{}
		p.queued.Add(-1)
		p.depth.Dec()
		defer func() { <-p.sem }()
		f()
	}()
	return true
}
