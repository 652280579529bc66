package actors

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
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
