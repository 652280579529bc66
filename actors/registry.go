package actors

import (
	"hash/maphash"
	"strings"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	cmap "github.com/orcaman/concurrent-map"

	"github.com/linkup-chat/linkup/events"
)

// Proto.Actor's process registry is 1,024 concurrent maps (by hash of the
// actor id) of cmap.SHARD_COUNT Go maps each: with the package's default
// 32, 32,768 maps, most holding a connection actor or none, and a Go
// map's first entry costs a whole group (~290 bytes). One map per
// registry bucket (set before any map is made: the package's init runs
// before any actor system exists; a map made earlier keeps working, on
// its first shard), and processBuckets buckets instead of 1,024
// (compactProcessRegistry), keep each map full enough that an entry
// costs ~50 bytes, not ~130 at 2,000 connections (issue #17).
func init() { cmap.SHARD_COUNT = 1 }

// processBuckets is how many maps the node's process registry is split
// into, each with its own lock: as many as a registry's shards.
const processBuckets = registryShards

// compactProcessRegistry puts sys's process registry in processBuckets
// maps, moving what it holds already. Proto.Actor finds an id's map by
// its hash modulo the number of maps (SliceMap.GetBucket), so any number
// works; call it before any actor of sys is spawned and before sys is
// shared.
func compactProcessRegistry(sys *actor.ActorSystem) {
	maps := make([]cmap.ConcurrentMap, processBuckets)
	for i := range maps {
		maps[i] = cmap.New()
	}
	compact := &actor.SliceMap{LocalPIDs: maps}
	for _, m := range sys.ProcessRegistry.LocalPIDs.LocalPIDs {
		for kv := range m.IterBuffered() {
			compact.GetBucket(kv.Key).Set(kv.Key, kv.Val)
		}
	}
	sys.ProcessRegistry.LocalPIDs = compact
}

// registryShards is how many shards a registry has: enough that sends to
// different identities rarely meet on one lock, few enough to cost
// nothing when empty.
const registryShards = 64

// registry maps identities (chat, user or connection ids) to the PIDs of
// their actors on this node. It is split into shards, each with its own
// RWMutex (as centrifuge's hub is): a send to a running actor takes only
// its shard's read lock, so sends never serialize one another; the write
// lock is taken only to spawn or retire an actor, and only on its shard.
//
// The read lock is held across the send, so an actor retiring (which
// takes the write lock, removes itself and poisons itself in one step)
// gets exactly the messages queued before its poison pill, and forwards
// them to its successor (see forwarded). Safe for concurrent use.
type registry struct {
	seed   maphash.Seed
	shards [registryShards]registryShard
}

type registryShard struct {
	mu   sync.RWMutex
	pids map[string]*actor.PID
}

func newRegistry() *registry {
	r := &registry{seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].pids = map[string]*actor.PID{}
	}
	return r
}

func (r *registry) shard(id string) *registryShard {
	return &r.shards[maphash.String(r.seed, id)%registryShards]
}

// send hands msg to id's actor through deliver, spawning the actor with
// spawn first if none is registered. It reports whether it spawned.
func (r *registry) send(id string, msg any, spawn func() *actor.PID, deliver func(*actor.PID, any)) bool {
	s := r.shard(id)
	s.mu.RLock()
	if pid, ok := s.pids[id]; ok {
		deliver(pid, msg)
		s.mu.RUnlock()
		return false
	}
	s.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	pid, ok := s.pids[id]
	if !ok {
		pid = spawn()
		s.pids[id] = pid
	}
	deliver(pid, msg)
	return !ok
}

// sendIfPresent hands msg to id's actor through deliver if one is
// registered, and reports whether one was.
func (r *registry) sendIfPresent(id string, msg any, deliver func(*actor.PID, any)) bool {
	s := r.shard(id)
	s.mu.RLock()
	defer s.mu.RUnlock()
	pid, ok := s.pids[id]
	if ok {
		deliver(pid, msg)
	}
	return ok
}

// add registers pid as id's actor.
func (r *registry) add(id string, pid *actor.PID) {
	s := r.shard(id)
	s.mu.Lock()
	s.pids[id] = pid
	s.mu.Unlock()
}

// remove unregisters id and reports whether it was registered.
func (r *registry) remove(id string) bool {
	s := r.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.pids[id]
	delete(s.pids, id)
	return ok
}

// retire unregisters id if pid is still its actor, and then calls stop
// under the same lock (so no send slips between the two); it reports
// whether it did.
func (r *registry) retire(id string, pid *actor.PID, stop func()) bool {
	s := r.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.pids[id]; ok && cur.Id == pid.Id {
		delete(s.pids, id)
		stop()
		return true
	}
	return false
}

// get returns id's actor, if registered.
func (r *registry) get(id string) (*actor.PID, bool) {
	s := r.shard(id)
	s.mu.RLock()
	defer s.mu.RUnlock()
	pid, ok := s.pids[id]
	return pid, ok
}

// len counts the registered actors.
func (r *registry) len() int {
	n := 0
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		n += len(s.pids)
		s.mu.RUnlock()
	}
	return n
}

// each calls f with every registered actor, one shard's read lock at a
// time.
func (r *registry) each(f func(*actor.PID)) {
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		for _, pid := range s.pids {
			f(pid)
		}
		s.mu.RUnlock()
	}
}

// connTable lists the node's open connections, for Shutdown, and finds a
// connection's actor by its id. A connection actor is named by its event
// stream, "connection-" and its id, so Proto.Actor's process registry
// finds it (get), and the one string serves as the actor's name, its id
// (connIDOf) and its stream's name (in the store's cache too): the table
// itself is a list of PIDs by slot (8 bytes a connection, where a map by
// id cost ~50, and the id and the stream name 48 bytes each, issue #17).
// A connection reserves its slot before it is spawned (connActor.slot,
// never changed), fills it once admitted, and empties it when it closes;
// emptied slots are reused. Safe for concurrent use.
type connTable struct {
	sys  *actor.ActorSystem
	mu   sync.Mutex
	pids []*actor.PID // nil: a free or reserved slot
	free []int32
	open int
}

func newConnTable(sys *actor.ActorSystem) *connTable { return &connTable{sys: sys} }

// named reports whether a connection id can name its actor: not empty,
// and without a '$' (Proto.Actor's generated names have one).
func named(id string) bool { return id != "" && !strings.Contains(id, "$") }

// connIDOf is the connection id in a connection actor's name.
func connIDOf(name string) string { return strings.TrimPrefix(name, events.ConnectionStreamPrefix) }

// reserve takes a slot for a connection about to be spawned.
func (t *connTable) reserve() int32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.free); n > 0 {
		s := t.free[n-1]
		t.free = t.free[:n-1]
		return s
	}
	t.pids = append(t.pids, nil)
	return int32(len(t.pids) - 1)
}

// fill lists pid at its reserved slot.
func (t *connTable) fill(slot int32, pid *actor.PID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pids[slot] = pid
	t.open++
}

// release gives back a reserved slot that was never filled.
func (t *connTable) release(slot int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.freeSlot(slot)
}

// remove empties slot if pid is listed there, and reports whether it was.
func (t *connTable) remove(slot int32, pid *actor.PID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if slot < 0 || int(slot) >= len(t.pids) || t.pids[slot] != pid {
		return false
	}
	t.pids[slot] = nil
	t.open--
	t.freeSlot(slot)
	return true
}

// freeSlot makes slot reusable; a table with nothing left in it gives its
// arrays back (after a mass disconnect). Called with mu held.
func (t *connTable) freeSlot(slot int32) {
	t.free = append(t.free, slot)
	if len(t.free) == len(t.pids) {
		t.pids, t.free = nil, nil
	}
}

// get returns the actor of connection id, if one runs here. An actor
// whose connection closed is found until it has stopped.
func (t *connTable) get(id string) (*actor.PID, bool) {
	if !named(id) {
		return nil, false
	}
	name := events.ConnectionStream(id)
	if _, ok := t.sys.ProcessRegistry.GetLocal(name); !ok {
		return nil, false
	}
	return actor.NewPID(t.sys.Address(), name), true
}

// len counts the listed connections.
func (t *connTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.open
}

// each calls f with every listed connection, under the table's lock.
func (t *connTable) each(f func(*actor.PID)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, pid := range t.pids {
		if pid != nil {
			f(pid)
		}
	}
}
