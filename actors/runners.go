package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/linkup-chat/linkup/internal/gopool"
	"github.com/linkup-chat/linkup/internal/gopool/lend"
	"github.com/prometheus/client_golang/prometheus"
)

// maxIdleRunners bounds the goroutines a node keeps parked for mailbox
// runs (runners). A store commit completes the appends of many chats at
// once and each of their mailboxes is scheduled in the same instant, so
// runs come in bursts of up to a few hundred: with 64 parked, a third of
// the runs in the chats load started a goroutine (whose fresh stack then
// grew by copying), and the runners past 64 exited at once. Each parked
// runner keeps a stack of at most gopool.KeepStack (16 KB) and exits after
// gopool.IdleFor unused, so this costs at most 256 × 16 KB = 4 MB while
// bursts that large keep coming, and nothing on an idle node.
const maxIdleRunners = 256

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
//
// A run scheduled by a goroutine that lends itself (internal/gopool/lend:
// a socket reader, whose frame posted to the idle chat) is borrowed
// instead: the reader runs the chat's mailbox once it has handled its
// frame and re-armed its socket, so the send's path does not wait for a
// runner to be woken and scheduled (issue #17). A reader takes at most one
// run per frame; other runs go to the pool. Proto.Actor's mailbox CAS
// still allows one run of a mailbox at a time wherever it runs.
type runners struct {
	pool     *gopool.Pool
	started  prometheus.Counter
	reused   prometheus.Counter
	borrowed prometheus.Counter
}

var _ actor.Dispatcher = (*runners)(nil)

func newRunners(stop <-chan struct{}, m *metrics) *runners {
	r := &runners{pool: gopool.New(maxIdleRunners, stop), started: m.runsStarted, reused: m.runsReused, borrowed: m.runsBorrowed}
	m.idleRunners = r.pool.Idle
	return r
}

// Schedule leaves fn to the calling goroutine when it lends itself, or
// runs it on a parked runner, or on a new one.
func (r *runners) Schedule(fn func()) {
	if lend.Borrow(fn) {
		r.borrowed.Inc()
		return
	}
	if r.pool.Go(fn) {
		r.reused.Inc()
		return
	}
	r.started.Inc()
}

// Throughput is how many messages a mailbox run handles before yielding
// the processor (Proto.Actor's default).
func (r *runners) Throughput() int { return 300 }
