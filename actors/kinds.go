package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// kind is one actor kind's shared Props: the recording supervisor, the
// kind's mailbox and a producer that hands over the instance being spawned.
// Props built per spawn cost about 600 bytes of heap each, one per
// connection (users are not actors: user_book.go); one Props per kind
// costs nothing per actor.
//
// Spawning stores the instance in next and calls Spawn under mu; Proto.Actor
// calls the producer synchronously inside Spawn, so the producer takes
// exactly that instance. The producer is called again only if an actor is
// restarted, which the recording supervisor never does (it resumes); if it
// ever were, the producer finds next empty and returns an actor that stops
// itself rather than one with someone else's state.
type kind struct {
	mu    sync.Mutex
	next  actor.Actor
	props *actor.Props
	// dispatch runs the mailboxes of inline's actors in place; both are
	// nil except for connections (see connDispatcher).
	dispatch *connDispatcher
	inline   *actor.Props
}

func newKind(n *Node, name string) *kind {
	k := &kind{}
	strategy := recordingStrategy{node: n, kind: name}
	opts := []actor.PropsOption{actor.WithGuardian(strategy), actor.WithSupervisor(strategy),
		actor.WithMailbox(mailboxOf(name, mailboxStats{g: n.m.mailbox.WithLabelValues(name)}))}
	if name == "chat" {
		// Chats run on reused goroutines, and their sends keep their order
		// behind the fan-out lane (fanout_lane.go).
		opts = append(opts, actor.WithDispatcher(n.runners), actor.WithSenderMiddleware(orderedSends))
	}
	k.props = actor.PropsFromProducer(k.take, opts...)
	if name == "connection" {
		k.dispatch = &connDispatcher{}
		k.inline = actor.PropsFromProducer(k.take, actor.WithGuardian(strategy), actor.WithSupervisor(strategy),
			actor.WithMailbox(mailboxOf(name, mailboxStats{g: n.m.mailbox.WithLabelValues(name)})), actor.WithDispatcher(k.dispatch))
	}
	return k
}

// spawn starts a as a new actor of this kind.
func (k *kind) spawn(root *actor.RootContext, a actor.Actor) *actor.PID {
	pid, _ := k.spawnNamed(root, a, "")
	return pid
}

// spawnNamed is spawn under the name id (one made up by Proto.Actor when
// id is empty); it fails (actor.ErrNameExists, nothing spawned) when an
// actor of that name runs.
func (k *kind) spawnNamed(root *actor.RootContext, a actor.Actor, id string) (*actor.PID, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.next = a
	props := k.props
	if k.inline != nil && runsInPlace(a) {
		props = k.inline
	}
	var pid *actor.PID
	var err error
	if id == "" {
		pid = root.Spawn(props)
	} else {
		pid, err = root.SpawnNamed(props, id)
	}
	k.next = nil
	return pid, err
}

// take is the producer; see kind.
func (k *kind) take() actor.Actor {
	a := k.next
	k.next = nil
	if a == nil {
		return stopSelf{}
	}
	return a
}

// stopSelf is what a producer call without a pending instance yields: an
// actor that stops as soon as it starts.
type stopSelf struct{}

func (stopSelf) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		ctx.Stop(ctx.Self())
	}
}

// mailboxOf picks the mailbox of an actor kind: connMailbox (queues only
// while messages wait, 48 bytes idle) for connection actors, mostly idle
// and run in place, chatMailbox (the same, its run scheduled without an
// allocation) for chat actors, a ring buffer for the other kinds (issue
// #17).
func mailboxOf(kind string, stats actor.MailboxMiddleware) actor.MailboxProducer {
	switch kind {
	case "connection":
		return connMailboxes(stats)
	case "chat":
		return chatMailboxes(stats)
	}
	return actor.Unbounded(stats)
}
