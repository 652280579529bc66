package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
)

// DemoKindName is the kind DemoKind registers.
const DemoKindName = "demo"

// DemoMethod names the one request the demo kind answers.
const DemoMethod = "demo.Hello"

// demoDedup is how many request ids a demo activation remembers.
const demoDedup = 128

// DemoRequest asks a demo identity where it lives. ID makes a retry
// idempotent: a repeat gets the first answer.
type DemoRequest struct {
	ID string `json:"id"`
}

// DemoReply says which node and which activation answered, and how many
// distinct requests this activation has seen.
type DemoReply struct {
	Identity   string `json:"identity"`
	Node       string `json:"node"`
	Activation string `json:"activation"`
	Count      int    `json:"count"`
}

// DemoKind is a kind whose identities answer DemoRequest with the node
// they run on. It proves messages cross processes; linkup's real kinds
// (chat, user) come with the actors' refactor.
func DemoKind(node string) *cluster.Kind {
	return cluster.NewKind(DemoKindName, actor.PropsFromProducer(func() actor.Actor {
		return &demoGrain{node: node, activation: randomID(), seen: map[string]DemoReply{}}
	}))
}

type demoGrain struct {
	node, identity, activation string
	count                      int
	seen                       map[string]DemoReply
	order                      []string
}

func (g *demoGrain) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *cluster.ClusterInit:
		g.identity = msg.Identity.Identity
	case *cluster.GrainRequest:
		g.onRequest(ctx, msg)
	}
}

func (g *demoGrain) onRequest(ctx actor.Context, msg *cluster.GrainRequest) {
	var req DemoRequest
	if msg.MessageTypeName != DemoMethod || json.Unmarshal(msg.MessageData, &req) != nil {
		RespondError(ctx, "invalid_payload", "want "+DemoMethod+" with a JSON DemoRequest")
		return
	}
	if r, ok := g.seen[req.ID]; ok {
		RespondJSON(ctx, r)
		return
	}
	g.count++
	r := DemoReply{Identity: g.identity, Node: g.node, Activation: g.activation, Count: g.count}
	g.remember(req.ID, r)
	RespondJSON(ctx, r)
}

func (g *demoGrain) remember(id string, r DemoReply) {
	if len(g.order) == demoDedup {
		delete(g.seen, g.order[0])
		g.order = g.order[1:]
	}
	g.seen[id] = r
	g.order = append(g.order, id)
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
