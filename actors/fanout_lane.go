package actors

import (
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"
)

// laneMinSubscribers is the number of subscribers from which a chat fans
// its batches out through its lane (fanLane) instead of on its own
// goroutine. A small chat's fan-out costs less than the hand-over. A
// variable so that tests can run every chat through its lane.
var laneMinSubscribers atomic.Int64

func init() { laneMinSubscribers.Store(64) }

// laneMaxPending bounds the fan-out items a lane holds that its goroutine
// has not taken yet. A chat that would go past it waits until the lane
// takes them (at most one posting round), as it waited for its own
// fan-out before the lane: so when the node is out of CPU the chat slows
// down (its queue fills, senders get `overloaded`) instead of running
// ahead of its lane until every member passes maxDeliverBacklog and is
// dropped as a slow consumer; and a lane's queue stays bounded.
const laneMaxPending = 128

// fanLane takes a chat's fan-out off the chat's goroutine (issue #17).
// The chat decides who gets what (credits, drops: chat_backlog.go) and
// hands the lane the batch's encoded items, shared and never modified,
// with the connections they go to; a goroutine of the lane's own posts
// one deliver per connection. While the lane posts one batch the chat
// commits the next ones; the lane then takes them all at once, one
// deliver per connection for all of them (merge): under load the fan-out
// adapts its batch to what is waiting, so its cost per message falls,
// and the chat's goroutine is free for the acks of the next appends.
//
// Order: every connection still gets a chat's frames in the order the
// chat sent them. While the lane has work, whatever else the chat sends
// (acks, replies, a welcome's catch-up, a drop) goes through the lane as
// well (orderedSends), behind the fan-outs sent before it, unless it is
// for a connection the lane's pending items would not show anything to
// (the only sender of every pending item: its own messages are skipped
// by its connection), so a sender's ack does not wait for the fan-out of
// the batch before.
//
// The lane shares only immutable data with its goroutine (the items and
// each task's target list, built for it and not touched again by the
// chat); its queue is guarded by mu. A lane holds no goroutine while
// idle; the one posting exits once the queue is empty.
type fanLane struct {
	mu      sync.Mutex
	pending []laneTask
	spare   []laneTask // the slice the goroutine drained, for reuse
	// running: a goroutine owns the lane until pending is empty. Written
	// under mu; read without it by the chat (busy, send), which alone
	// starts the lane: once it reads false, every task pushed before has
	// been posted, so an idle lane costs the chat's sends no lock.
	running atomic.Bool
	items   int        // fan-out items in pending
	taken   *sync.Cond // signalled (on mu) when the goroutine takes pending
	// While running: the connection id every unfinished fan-out item
	// comes from and is skipped by (soleOriginNone: some item shows to
	// everyone), and the connections with sends waiting in the lane.
	sole    string
	waiting map[string]int
	// waits counts the times a chat waited at laneMaxPending
	// (linkup_fanout_lane_waits_total); nil counts nothing.
	waits prometheus.Counter
}

// soleOriginNone marks pending work that shows something to every
// connection.
const soleOriginNone = "\x00"

// laneTask is one unit of the lane's work, in the chat's order: a
// fan-out of items to targets, or one message to one actor.
type laneTask struct {
	chatID  string
	items   []deliverItem
	targets []*actor.PID
	sole    string // see fanLane.sole; "" for a send
	to      *actor.PID
	msg     any
}

// soleOrigin is the connection id every item comes from and is skipped
// by (a message of its own, Seq set), or soleOriginNone.
func soleOrigin(items []deliverItem) string {
	sole := ""
	for _, it := range items {
		if it.Origin == nil || it.Seq == 0 || (sole != "" && it.Origin.Id != sole) {
			return soleOriginNone
		}
		sole = it.Origin.Id
	}
	if sole == "" {
		return soleOriginNone
	}
	return sole
}

// busy reports whether the lane has work not yet posted.
func (l *fanLane) busy() bool { return l.running.Load() }

// fanOut queues a fan-out of items to targets; the lane's goroutine is
// started when none runs.
func (l *fanLane) fanOut(sys *actor.ActorSystem, chatID string, items []deliverItem, targets []*actor.PID) {
	if len(targets) == 0 {
		return
	}
	l.push(sys, laneTask{chatID: chatID, items: items, targets: targets, sole: soleOrigin(items)})
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.items >= laneMaxPending && l.waits != nil {
		l.waits.Inc()
	}
	for l.items >= laneMaxPending {
		if l.taken == nil {
			l.taken = sync.NewCond(&l.mu)
		}
		l.taken.Wait()
	}
}

// send posts msg to target now when nothing the lane holds could come
// out after it on that connection, else queues it behind the lane's work.
// It reports whether it queued it (false: the caller sends it).
func (l *fanLane) send(sys *actor.ActorSystem, target *actor.PID, msg any) bool {
	if !l.running.Load() {
		return false
	}
	l.mu.Lock()
	if !l.running.Load() || (l.sole == target.Id && l.waiting[target.Id] == 0) {
		l.mu.Unlock()
		return false
	}
	l.mu.Unlock()
	l.push(sys, laneTask{to: target, msg: msg})
	return true
}

func (l *fanLane) push(sys *actor.ActorSystem, t laneTask) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, t)
	l.items += len(t.items)
	if t.to != nil {
		if l.waiting == nil {
			l.waiting = map[string]int{}
		}
		l.waiting[t.to.Id]++
	}
	switch {
	case !l.running.Load():
		l.running.Store(true)
		l.sole = t.sole
		if t.to != nil {
			l.sole = soleOriginNone
		}
		go l.run(sys)
	case t.to == nil && l.sole != t.sole:
		l.sole = soleOriginNone
	}
}

// run posts the lane's tasks until none is left, each run of consecutive
// fan-outs merged into one deliver per connection.
func (l *fanLane) run(sys *actor.ActorSystem) {
	for {
		l.mu.Lock()
		tasks := l.pending
		if len(tasks) == 0 {
			l.running.Store(false)
			l.sole = ""
			clear(l.waiting)
			l.mu.Unlock()
			return
		}
		l.pending, l.spare, l.items = l.spare[:0], nil, 0
		if l.taken != nil {
			l.taken.Broadcast()
		}
		l.mu.Unlock()
		l.post(sys, tasks)
		clear(tasks) // the items and targets go with the deliveries
		l.mu.Lock()
		l.spare = tasks[:0]
		l.mu.Unlock()
	}
}

// post runs tasks in order, each run of consecutive fan-outs merged.
func (l *fanLane) post(sys *actor.ActorSystem, tasks []laneTask) {
	for len(tasks) > 0 {
		n := 1
		if tasks[0].to != nil {
			sys.Root.Send(tasks[0].to, tasks[0].msg)
		} else {
			for n < len(tasks) && tasks[n].to == nil {
				n++
			}
			postMerged(sys, tasks[:n])
		}
		tasks = tasks[n:]
	}
}

// postMerged posts fan-outs (of one chat, in order) as one deliver per
// connection: the items of every fan-out it is a target of, in order.
// Connections that are targets of all of them share one item list.
func postMerged(sys *actor.ActorSystem, fans []laneTask) {
	if len(fans) == 1 {
		d := deliver{ChatID: fans[0].chatID, Items: fans[0].items}
		for _, pid := range fans[0].targets {
			sys.Root.Send(pid, d)
		}
		return
	}
	var all []deliverItem
	count := make(map[string]int, len(fans[0].targets))
	for _, f := range fans {
		all = append(all, f.items...)
		for _, pid := range f.targets {
			count[pid.Id]++
		}
	}
	full := deliver{ChatID: fans[0].chatID, Items: all}
	var partial map[string][]deliverItem // targets of some of the fan-outs only
	var order []*actor.PID
	for _, f := range fans {
		for _, pid := range f.targets {
			switch c := count[pid.Id]; {
			case c == len(fans):
				sys.Root.Send(pid, full)
				count[pid.Id] = -1 // sent
			case c > 0:
				if partial == nil {
					partial = map[string][]deliverItem{}
				}
				if _, seen := partial[pid.Id]; !seen {
					order = append(order, pid)
				}
				partial[pid.Id] = append(partial[pid.Id], f.items...)
			}
		}
	}
	for _, pid := range order {
		sys.Root.Send(pid, deliver{ChatID: full.ChatID, Items: partial[pid.Id]})
	}
}

// orderedSends is the chat actors' sender middleware: while a chat's
// lane has work, what the chat sends to another actor goes through the
// lane (fanLane.send), so it cannot overtake the fan-outs sent before it.
func orderedSends(next actor.SenderFunc) actor.SenderFunc {
	return func(ctx actor.SenderContext, target *actor.PID, env *actor.MessageEnvelope) {
		c, ok := ctx.Actor().(*chatActor)
		if ok && target != nil && !target.Equal(ctx.Self()) && env.Header == nil && env.Sender == nil &&
			c.lane.send(ctx.ActorSystem(), target, env.Message) {
			return
		}
		next(ctx, target, env)
	}
}

// send is what ctx.Send does through orderedSends, for the chat's
// hottest sends (acks, fan-out deliveries, one or more per message):
// without Proto.Actor's sender middleware chain, which wraps each message
// in an envelope of its own.
func (c *chatActor) send(ctx actor.Context, to *actor.PID, msg any) {
	if !c.lane.send(ctx.ActorSystem(), to, msg) {
		ctx.ActorSystem().Root.Send(to, msg)
	}
}
