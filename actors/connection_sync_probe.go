package actors

import (
	"maps"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/protocol"
)

// A sync_request may name a chat the node's directory does not list for
// the user although they are a member: the chat was created, or they were
// added, through another node moments ago, and this node's log follower
// has not read it yet. Before such chats are answered `not_member`, the
// chats themselves are asked (chatMemberReq: a chat that does not list
// the user reads the tail of its stream first, chat_fresh.go); those that
// say member are synced with the rest. The sync's answer keeps its shape:
// one not_member error naming every chat refused, then the missed items,
// then sync_complete.
//
// Bounded: at most maxSyncProbes chats of one sync are asked (the first,
// in id order); the others are refused at once
// (linkup_sync_probes_total{result="not_asked"}). Each ask costs at most a
// chat actor's load and one read of its stream's tail, through the load
// pool. A probe gets Config.RequestTimeout; chats that did not answer by
// then are refused.

// maxSyncProbes bounds the chats one sync_request asks about.
const maxSyncProbes = 16

// syncProbe is a sync_request waiting for its probes.
type syncProbe struct {
	req     protocol.SyncRequest
	first   bool     // the connection's first frame: its answer goes before the held items
	mine    []string // the chats the directory lists
	waiting map[string]bool
	members []string
	fails   []chatFailure // chats that could not tell (store errors)
	timer   *time.Timer
}

// probeTimeout ends a probe whose chats did not all answer in time.
type probeTimeout struct{ Probe uint64 }

// holdPending marks the first frame's sync as started while it probes, so
// no later sync takes its place (holdAgg).
const holdPending = ^uint64(0)

// unlisted returns the chats of positions not in mine, in id order.
func unlisted(mine []string, positions map[string]uint64) []string {
	member := setOf(mine)
	var out []string
	for _, ch := range slices.Sorted(maps.Keys(positions)) {
		if !member[ch] {
			out = append(out, ch)
		}
	}
	return out
}

// probeSync asks the first maxSyncProbes chats of unknown whether the user
// is a member, then syncs (syncChats).
func (c *connActor) probeSync(ctx actor.Context, m protocol.SyncRequest, mine, unknown []string, first bool) {
	asked := unknown[:min(len(unknown), maxSyncProbes)]
	c.node.m.syncProbes.WithLabelValues("not_asked").Add(float64(len(unknown) - len(asked)))
	id := c.nextReq()
	p := &syncProbe{req: m, first: first, mine: mine, waiting: map[string]bool{}}
	sent := time.Now()
	for _, ch := range asked {
		p.waiting[ch] = true
		c.node.sendChat(ch, chatMemberReq{origin: c.origin(ctx, m.Ref), Probe: id, Sent: sent})
	}
	self, sys := ctx.Self(), c.node.system
	p.timer = time.AfterFunc(c.node.cfg.RequestTimeout, func() { sys.Root.Send(self, probeTimeout{Probe: id}) })
	c.addProbe(id, p)
}

// probed files a chat's answer, and syncs when every asked chat answered.
func (c *connActor) probed(ctx actor.Context, m memberPart) {
	p, ok := c.probe(m.Probe)
	if !ok || !p.waiting[m.ChatID] {
		return
	}
	delete(p.waiting, m.ChatID)
	switch {
	case m.Err != nil:
		p.fails = append(p.fails, chatFailure{Chat: m.ChatID, Err: m.Err})
		c.node.m.syncProbes.WithLabelValues("failed").Inc()
	case m.Member:
		p.members = append(p.members, m.ChatID)
		c.node.m.syncProbes.WithLabelValues("member").Inc()
	default:
		c.node.m.syncProbes.WithLabelValues("not_member").Inc()
	}
	if len(p.waiting) == 0 {
		c.endProbe(ctx, m.Probe)
	}
}

// endProbe syncs a probed request: the chats the directory lists and
// those that said member; the rest named are refused not_member.
func (c *connActor) endProbe(ctx actor.Context, id uint64) {
	p, ok := c.probe(id)
	if !ok {
		return
	}
	c.reqDone(id)
	p.timer.Stop()
	c.node.m.syncProbes.WithLabelValues("timed_out").Add(float64(len(p.waiting)))
	c.syncChats(ctx, p.req, append(slices.Clip(p.mine), p.members...), p.fails, p.first)
}
