package actors

import (
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// sendVia is an actor that has chat c send each deliver it gets on to to
// (c.send, as the chat's acks and deliveries go).
type sendVia struct {
	c  *chatActor
	to *actor.PID
}

func (s *sendVia) Receive(ctx actor.Context) {
	if d, ok := ctx.Message().(deliver); ok {
		s.c.send(ctx, s.to, d)
	}
}

// TestChatSendStaysBehindTheLane: while a chat's lane is stuck posting a
// fan-out (its first target, run in place, waits), what the chat sends
// to another target of that fan-out with c.send (its acks, its small
// fan-outs) goes through the lane and reaches the target after the
// fan-out's items, not before. Sent straight to the target, without the
// lane, it arrives first and the test fails.
func TestChatSendStaysBehindTheLane(t *testing.T) {
	sys := actor.NewActorSystem()
	stuck := &gatedRecorder{gate: make(chan struct{})}
	x := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return stuck }, actor.WithDispatcher(&connDispatcher{})))
	seen := make(chan struct{}, 4)
	rec := &recorder{seen: seen}
	y := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return rec }))
	c := &chatActor{id: "c"}
	c.lane.fanOut(sys, "c", []deliverItem{{Frame: []byte("first")}}, []*actor.PID{x, y})
	poll.Until(t, 10*time.Second, "the lane's goroutine is posting to x", func() bool { return stuck.entered.Load() > 0 })
	via := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &sendVia{c: c, to: y} }))
	sys.Root.Send(via, deliver{ChatID: "c", Items: []deliverItem{{Frame: []byte("second")}}})
	poll.Until(t, 10*time.Second, "the lane holds the chat's send", func() bool {
		c.lane.mu.Lock()
		defer c.lane.mu.Unlock()
		return c.lane.waiting[y.Id] > 0
	})
	close(stuck.gate)
	for range 2 {
		select {
		case <-seen:
		case <-time.After(10 * time.Second):
			t.Fatal("y did not get both delivers")
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !slices.Equal(rec.got[0], []string{"first"}) || !slices.Equal(rec.got[1], []string{"second"}) {
		t.Fatalf("y got %v, want the fan-out's item first", rec.got)
	}
}
