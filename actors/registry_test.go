package actors

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// TestRegistrySpawnsOnceAndRetires: many goroutines sending to ids not
// yet registered spawn one actor per id and every message reaches it; a
// retired id is spawned afresh by the next send, and a stale retire (an
// actor no longer registered) changes nothing.
func TestRegistrySpawnsOnceAndRetires(t *testing.T) {
	r := newRegistry()
	var spawned atomic.Int64
	var mu sync.Mutex
	got := map[string]int{}
	spawner := func(id string) func() *actor.PID {
		return func() *actor.PID {
			for range 100 { // spawning takes a while: let other senders meet it
				runtime.Gosched()
			}
			return &actor.PID{Id: fmt.Sprintf("%s/%d", id, spawned.Add(1))}
		}
	}
	deliver := func(pid *actor.PID, _ any) {
		mu.Lock()
		got[pid.Id]++
		mu.Unlock()
	}
	const ids, senders = 20, 50
	var wg sync.WaitGroup
	start := make(chan struct{})
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range ids {
				id := fmt.Sprint("u", (i+s)%ids)
				r.send(id, "m", spawner(id), deliver)
			}
		}()
	}
	close(start)
	wg.Wait()
	if spawned.Load() != ids || r.len() != ids {
		t.Fatalf("spawned %d actors, %d registered, want %d", spawned.Load(), r.len(), ids)
	}
	for pid, n := range got {
		if n != senders {
			t.Fatalf("%s got %d messages, want %d", pid, n, senders)
		}
	}
	old, _ := r.get("u0")
	stopped := 0
	if !r.retire("u0", old, func() { stopped++ }) || stopped != 1 {
		t.Fatal("retire of the registered actor did nothing")
	}
	if r.sendIfPresent("u0", "m", deliver) {
		t.Fatal("a retired id still takes messages")
	}
	if !r.send("u0", "m", spawner("u0"), deliver) {
		t.Fatal("a send to a retired id did not spawn a successor")
	}
	if r.retire("u0", old, func() { stopped++ }) || stopped != 1 {
		t.Fatal("a stale retire removed the successor")
	}
}

// TestConnectionActorsAreNamedByTheirID: a connection's actor is named
// by its connection id, so the node finds it by id without a map of its
// own; a connection whose id cannot name its actor (taken by an open
// connection, or one of Proto.Actor's names) still works under another
// name and answers with its own id; the node lists every admitted
// connection once, and none once they are gone.
func TestConnectionActorsAreNamedByTheirID(t *testing.T) {
	n := newGraceNode(t)
	first, second, dollar := openSocket(), openSocket(), openSocket()
	a := n.Connect(ConnInfo{ConnectionID: "dup", UserID: "ann"}, first)
	b := n.Connect(ConnInfo{ConnectionID: "dup", UserID: "bob"}, second)
	c := n.Connect(ConnInfo{ConnectionID: "x$1", UserID: "cy"}, dollar)
	for _, s := range []struct {
		conn *Conn
		sock *gatedSocket
		id   string
	}{{a, first, "dup"}, {b, second, "dup"}, {c, dollar, "x$1"}} {
		s.conn.Handle(protocol.GetConnectionStatus{Ref: "st"})
		waitFor(t, s.sock, `"connection_id":"`+s.id+`"`)
		if s.conn.ID() != s.id {
			t.Fatalf("connection %s says its id is %q", s.id, s.conn.ID())
		}
	}
	if a.pid.Id != "connection-dup" || b.pid.Id == "connection-dup" || strings.Contains(c.pid.Id, "x$1") {
		t.Fatalf("actors named %q, %q, %q: want the first named connection-dup, the others renamed", a.pid.Id, b.pid.Id, c.pid.Id)
	}
	if pid, ok := n.conns.get("dup"); !ok || pid.Id != "connection-dup" {
		t.Fatalf("get(dup) = %v, %v: want the first connection's actor", pid, ok)
	}
	for _, id := range []string{"x$1", "eventstream", "", "nobody"} {
		if _, ok := n.conns.get(id); ok {
			t.Fatalf("get(%q) found an actor", id)
		}
	}
	if got := n.conns.len(); got != 3 {
		t.Fatalf("%d connections listed, want 3", got)
	}
	for _, conn := range []*Conn{a, b, c} {
		conn.Closed("test")
	}
	poll.Until(t, 10*time.Second, "every connection unlisted", func() bool { return n.conns.len() == 0 })
	poll.Until(t, 10*time.Second, "the first actor stopped", func() bool { _, ok := n.conns.get("dup"); return !ok })
}

// TestConnTableReusesSlots: slots are reused once emptied, a stale
// remove (another connection has the slot now) changes nothing, and an
// emptied table gives its arrays back.
func TestConnTableReusesSlots(t *testing.T) {
	tb := newConnTable(actor.NewActorSystem())
	p0, p1, p2 := &actor.PID{Id: "a"}, &actor.PID{Id: "b"}, &actor.PID{Id: "c"}
	s0, s1 := tb.reserve(), tb.reserve()
	tb.fill(s0, p0)
	tb.fill(s1, p1)
	if !tb.remove(s0, p0) || tb.remove(s0, p0) {
		t.Fatal("remove: want true once, then false")
	}
	s2 := tb.reserve()
	if s2 != s0 {
		t.Fatalf("reserved slot %d, want the emptied %d", s2, s0)
	}
	tb.fill(s2, p2)
	if tb.remove(s0, p0) {
		t.Fatal("a stale remove emptied another connection's slot")
	}
	var got []string
	tb.each(func(pid *actor.PID) { got = append(got, pid.Id) })
	if len(got) != 2 || tb.len() != 2 {
		t.Fatalf("listed %v (len %d), want b and c", got, tb.len())
	}
	r := tb.reserve()
	tb.release(r)
	tb.remove(s1, p1)
	tb.remove(s2, p2)
	if tb.len() != 0 || tb.pids != nil || tb.free != nil {
		t.Fatalf("an emptied table keeps %d slots, %d free", len(tb.pids), len(tb.free))
	}
}
