package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/internal/gopool"
	"github.com/prometheus/client_golang/prometheus"
)

// maxIdleRunners bounds the goroutines a node keeps parked for mailbox
// runs (runners): enough for the actors running at once on a few cores,
// few enough that their stacks (grown to what a chat's handlers need,
// ~16–32 KB, and halved by each GC while parked) cost little.
const maxIdleRunners = 64

// runners is the dispatcher of the chat actors: each mailbox run goes to
// a goroutine of the node's pool (internal/gopool), parked waiting for
// one, or to a new goroutine when none is. Proto.Actor's default
// dispatcher starts a goroutine per run, and a chat runs twice per
// message (the command, then its append's completion): each fresh
// goroutine grew its stack by copying it several times, 5–10 % of the
// server's CPU in chats at 2 msg/s per client (issue #17). A runner keeps
// its grown stack from run to run. As with a goroutine per run, a run
// never waits behind another (gopool). Once the node stops, later runs
// get a goroutine each.
type runners struct {
	pool    *gopool.Pool
	started prometheus.Counter
	reused  prometheus.Counter
}

var _ actor.Dispatcher = (*runners)(nil)

func newRunners(stop <-chan struct{}, m *metrics) *runners {
	r := &runners{pool: gopool.New(maxIdleRunners, stop), started: m.runsStarted, reused: m.runsReused}
	m.idleRunners = r.pool.Idle
	return r
}

// Schedule runs fn on a parked runner, or on a new one.
func (r *runners) Schedule(fn func()) {
	if r.pool.Go(fn) {
		r.reused.Inc()
		return
	}
	r.started.Inc()
}

// Throughput is how many messages a mailbox run handles before yielding
// the processor (Proto.Actor's default).
func (r *runners) Throughput() int { return 300 }
