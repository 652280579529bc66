package actors

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"
)

// maxIdleRunners bounds the goroutines a node keeps parked for mailbox
// runs (runners): enough for the actors running at once on a few cores,
// few enough that their stacks (grown to what a chat's handlers need,
// ~16–32 KB) cost under a megabyte.
const maxIdleRunners = 64

// runners is the dispatcher of the chat actors (and the other kinds
// that are not run in place, see kinds.go): each mailbox run goes to a
// goroutine that is parked waiting for one, or to a new goroutine when
// none is. Proto.Actor's default dispatcher starts a goroutine per run,
// and a chat runs twice per message (the command, then its append's
// completion): each fresh goroutine grew its stack by copying it several
// times (2 KB to the ~16–32 KB a chat's commit and fan-out use), 5–10 %
// of the server's CPU in chats at 2 msg/s per client (issue #17). A
// runner keeps its grown stack from run to run.
//
// A run is only ever handed to a runner that is waiting for one (an
// unbuffered channel, sent to without blocking), never queued behind
// another run: a handler that blocks holds up its own runner only, as
// with a goroutine per run. Once the node stops, parked runners exit and
// every later run gets a goroutine of its own.
type runners struct {
	hand    chan func()
	stop    <-chan struct{}
	idle    atomic.Int32
	started prometheus.Counter
	reused  prometheus.Counter
	parked  prometheus.Gauge
}

var _ actor.Dispatcher = (*runners)(nil)

func newRunners(stop <-chan struct{}, m *metrics) *runners {
	return &runners{hand: make(chan func()), stop: stop, started: m.runsStarted, reused: m.runsReused, parked: m.runnersIdle}
}

// Schedule runs fn on a parked runner, or on a new one.
func (r *runners) Schedule(fn func()) {
	select {
	case r.hand <- fn:
		r.reused.Inc()
	default:
		r.started.Inc()
		go r.run(fn)
	}
}

// Throughput is how many messages a mailbox run handles before yielding
// the processor (Proto.Actor's default).
func (r *runners) Throughput() int { return 300 }

// run runs fn, then waits for the next run while fewer than
// maxIdleRunners others wait, until the node stops.
func (r *runners) run(fn func()) {
	for {
		fn()
		if r.idle.Add(1) > maxIdleRunners {
			r.idle.Add(-1)
			return
		}
		r.parked.Inc()
		select {
		case fn = <-r.hand:
			r.idle.Add(-1)
			r.parked.Dec()
		case <-r.stop:
			r.idle.Add(-1)
			r.parked.Dec()
			return
		}
	}
}
