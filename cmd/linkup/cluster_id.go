package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	protocluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/cluster"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// chatKind is the cluster kind whose identities are chat ids: the grain
// of a chat lives on the node that owns it and hands each routed command
// to that node's chat actor (actors.Node.HandleChat).
const chatKind = "chat"

// chatMethod names the one request a chat grain answers: an
// actors.ChatRequest as JSON in a GrainRequest, answered with an
// actors.ChatReply as JSON in a GrainResponse (docs/CLUSTER.md, "Messages
// between nodes").
const chatMethod = "linkup.ChatRequest"

// maxGrainHandlers bounds the routed commands this node's chat grains
// wait on at once (each on a goroutine, for at most the chat's answer
// time); past it a command is answered `unavailable`.
const maxGrainHandlers = 4096

// clusterNode is this node's cluster membership: the member, the chat
// kind's grains and the Router that connections send through. It
// implements actors.Router and transport.ClusterBackend.
type clusterNode struct {
	member   *cluster.Member
	node     atomic.Pointer[actors.Node] // nil until the actors are up: grains answer `unavailable`
	handlers chan struct{}
	idle     time.Duration // a chat grain stops after this long without a request
	log      *slog.Logger
	m        *clusterMetrics

	mu     sync.Mutex
	hosted map[string]int // chat identities active here (an identity may briefly have two activations)
}

var (
	_ actors.Router            = (*clusterNode)(nil)
	_ transport.ClusterBackend = (*clusterNode)(nil)
)

// startCluster starts this node's member with the chat kind.
func startCluster(cfg cluster.Config, idle time.Duration, log *slog.Logger, reg prometheus.Registerer) (*clusterNode, error) {
	cn := &clusterNode{handlers: make(chan struct{}, maxGrainHandlers), idle: idle, log: log, hosted: map[string]int{}}
	cfg.Logger = slog.New(minLevel{Handler: log.Handler(), min: slog.LevelWarn}).With("component", "cluster")
	kind := protocluster.NewKind(chatKind, actor.PropsFromProducer(func() actor.Actor { return &chatGrain{cn: cn} }))
	m, err := cluster.Start(cfg, kind)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	cn.member = m
	cn.m = newClusterMetrics(reg, cn)
	log.Info("cluster member started", "node", m.Node(), "id", m.ID(), "address", m.Address(), "endpoints", cfg.Endpoints, "mutual_tls", m.Secure())
	if cfg.Insecure {
		log.Warn("cluster ports without TLS (--cluster-insecure): anyone who reaches them can act as any user", "bind", cfg.Bind, "provider_port", cfg.ProviderPort)
	}
	return cn, nil
}

// attach makes the grains hand commands to n.
func (cn *clusterNode) attach(n *actors.Node) { cn.node.Store(n) }

// Route sends req to the chat's grain, wherever the cluster places it
// (actors.Router): an idempotent command with the member's retries, the
// others once.
func (cn *clusterNode) Route(ctx context.Context, req actors.ChatRequest) (actors.ChatReply, error) {
	var rep actors.ChatReply
	start := time.Now()
	var err error
	if req.Idempotent() {
		err = cn.member.RequestJSON(ctx, req.ChatID, chatKind, chatMethod, req, &rep)
	} else {
		err = cn.member.RequestJSONTries(ctx, 1, req.ChatID, chatKind, chatMethod, req, &rep)
	}
	cn.m.request.Observe(time.Since(start).Seconds())
	if err != nil {
		cn.m.forwarded.WithLabelValues("unreachable").Inc()
		return actors.ChatReply{}, err
	}
	cn.m.forwarded.WithLabelValues("ok").Inc()
	return rep, nil
}

// done is closed when the member has ended (Stop, or the watchdog).
func (cn *clusterNode) done() <-chan struct{} {
	if cn == nil {
		return nil
	}
	return cn.member.Done()
}

// leave stops the member: its identities re-activate on the others.
func (cn *clusterNode) leave() {
	if cn != nil {
		cn.member.Stop()
	}
}

// exitErr is the error serve returns after the watchdog ended the member:
// the process exits non-zero so its supervisor starts a fresh member.
func (cn *clusterNode) exitErr() error {
	err := cn.member.Err()
	reason := "other"
	for _, e := range []error{cluster.ErrStalled, cluster.ErrBlocked, cluster.ErrCutOff, cluster.ErrNoQuorum} {
		if errors.Is(err, e) {
			reason = e.Error()
		}
	}
	cn.m.watchdogExits.WithLabelValues(reason).Inc()
	return fmt.Errorf("left the cluster (%v); exiting so that a supervisor starts a fresh member", err)
}

func (cn *clusterNode) activated(id string) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	cn.hosted[id]++
	cn.m.activations.WithLabelValues(chatKind).Inc()
}

func (cn *clusterNode) deactivated(id string) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.hosted[id]--; cn.hosted[id] <= 0 {
		delete(cn.hosted, id)
	}
}

// hostedChats returns the chat identities active here, sorted.
func (cn *clusterNode) hostedChats() []string {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	ids := make([]string, 0, len(cn.hosted))
	for id := range cn.hosted {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// chatGrain is one chat identity's activation on its owner node. It
// stops after the node's chat idle time without a request, or after
// unknownIdle while its chat does not exist (a command to an unknown chat
// id), so identities cost memory only while in use; the next request
// activates it again.
type chatGrain struct {
	cn       *clusterNode
	identity string
	last     time.Time
	timer    *time.Timer
	stopping bool // stale: stopped, answering what is still queued with RespondMoved
}

// grainIdleCheck is sent to a grain by its idle timer.
type grainIdleCheck struct{}

// unknownIdle is how long the grain of a chat that does not exist stays
// without a request.
const unknownIdle = 5 * time.Second

func (g *chatGrain) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *protocluster.ClusterInit:
		g.identity, g.last = msg.Identity.Identity, time.Now()
		g.cn.activated(g.identity)
		g.arm(ctx, unknownIdle)
	case *actor.Stopped:
		if g.timer != nil {
			g.timer.Stop()
		}
		if g.identity != "" {
			g.cn.deactivated(g.identity)
		}
	case *protocluster.GrainRequest:
		if g.stale(ctx) {
			cluster.RespondMoved(ctx) // not handled: the caller looks the owner up again
			return
		}
		g.last = time.Now()
		g.onRequest(ctx, msg)
	case grainIdleCheck:
		g.idleCheck(ctx)
	}
}

// idleCheck stops the grain once it has been idle for its limit, or
// once it is stale.
func (g *chatGrain) idleCheck(ctx actor.Context) {
	if g.stale(ctx) {
		return
	}
	limit := g.cn.idle
	if n := g.cn.node.Load(); n != nil && !n.ChatKnown(g.identity) {
		limit = unknownIdle
	}
	if wait := limit - time.Since(g.last); wait > 0 {
		g.arm(ctx, min(wait, max(unknownIdle, time.Second)))
		return
	}
	ctx.Stop(ctx.Self())
}

// stale stops the grain when this node's topology places its chat on
// another node, and reports whether it did. The library's placement
// actor activates whatever it is asked for: a caller that has not yet
// seen a joined (or restarted) node re-activates the chat on its old
// host, and without this both hosts would append to the chat (issue
// #15). Checked on each request and at each idle check (at least every
// unknownIdle).
func (g *chatGrain) stale(ctx actor.Context) bool {
	if g.cn.node.Load() == nil || !g.cn.member.OwnedElsewhere(g.identity, chatKind) {
		// not attached yet: cn.member may still be unset (and requests are answered `unavailable`)
		return false
	}
	if !g.stopping {
		g.stopping = true
		g.cn.m.stale.WithLabelValues(chatKind).Inc()
		g.cn.log.Debug("stale chat activation stopped", "chat", g.identity, "owner", g.cn.member.Owner(g.identity, chatKind))
		ctx.Stop(ctx.Self())
	}
	return true
}

// arm sends the grain a grainIdleCheck after d (a timer, not the
// library's receive timeout, whose timer races with message handling).
func (g *chatGrain) arm(ctx actor.Context, d time.Duration) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	g.timer = time.AfterFunc(d, func() { root.Send(self, grainIdleCheck{}) })
}

// onRequest hands a routed command to this node's chat actor on a
// goroutine (Receive never waits) and answers from there.
func (g *chatGrain) onRequest(ctx actor.Context, msg *protocluster.GrainRequest) {
	var req actors.ChatRequest
	if msg.MessageTypeName != chatMethod || json.Unmarshal(msg.MessageData, &req) != nil || req.ChatID != g.identity {
		cluster.RespondError(ctx, "invalid_payload", "want "+chatMethod+" with a JSON ChatRequest for chat "+g.identity)
		return
	}
	n := g.cn.node.Load()
	if n == nil {
		cluster.RespondJSON(ctx, actors.ChatReply{Err: protocol.Errorf(protocol.CodeUnavailable, "this node is starting; retry")})
		return
	}
	select {
	case g.cn.handlers <- struct{}{}:
	default:
		cluster.RespondJSON(ctx, actors.ChatReply{Err: protocol.Errorf(protocol.CodeUnavailable, "the node that holds this chat is overloaded; retry")})
		return
	}
	sender, root := ctx.Sender(), ctx.ActorSystem().Root
	go func() {
		defer func() { <-g.cn.handlers }()
		b, err := json.Marshal(n.HandleChat(req))
		if err != nil {
			root.Send(sender, &protocluster.GrainErrorResponse{Reason: "encode", Message: err.Error()})
			return
		}
		root.Send(sender, &protocluster.GrainResponse{MessageData: b})
	}()
}

// ClusterStatus answers GET /v1/cluster (transport.ClusterBackend).
func (cn *clusterNode) ClusterStatus(context.Context) (transport.ClusterStatus, error) {
	m := cn.member
	st := transport.ClusterStatus{Enabled: true, Node: m.Node(), MemberID: m.ID(), Address: m.Address(),
		Members: []transport.ClusterMember{}, Hosted: map[string]int{chatKind: 0}, ChatIDs: []string{}}
	for _, mi := range m.Topology() {
		st.Members = append(st.Members, transport.ClusterMember{ID: mi.ID, Node: mi.Node, Address: mi.Address,
			Self: mi.Self, Alive: mi.Address != "" && !mi.Blocked, Blocked: mi.Blocked})
	}
	ids := cn.hostedChats()
	st.Hosted[chatKind] = len(ids)
	st.ChatIDs = ids[:min(len(ids), transport.MaxClusterChatIDs)]
	return st, nil
}

// singleNode answers GET /v1/cluster on a node that is not in a cluster.
type singleNode struct{ name string }

func (s singleNode) ClusterStatus(context.Context) (transport.ClusterStatus, error) {
	return transport.ClusterStatus{Node: s.name, Members: []transport.ClusterMember{}, Hosted: map[string]int{chatKind: 0}, ChatIDs: []string{}}, nil
}

// router is the actors' Router: nil (every chat here) when not in a
// cluster.
func (cn *clusterNode) router() actors.Router {
	if cn == nil {
		return nil
	}
	return cn
}

// attachTo makes the grains hand commands to n (nothing when not in a
// cluster).
func (cn *clusterNode) attachTo(n *actors.Node) {
	if cn != nil {
		cn.attach(n)
	}
}

// backend serves /v1/cluster: this member's view, or a node alone.
func (cn *clusterNode) backend(name string) transport.ClusterBackend {
	if cn == nil {
		return singleNode{name: name}
	}
	return cn
}

// minLevel drops records below min: the cluster library logs every
// connection and topology step at INFO; its warnings and errors (a peer
// gone, a refused connection) stay.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}
