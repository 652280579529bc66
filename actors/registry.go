package actors

import (
	"hash/maphash"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	cmap "github.com/orcaman/concurrent-map"
)

// Proto.Actor's process registry is 1,024 concurrent maps (by hash of the
// actor id) of cmap.SHARD_COUNT Go maps each: with the package's default
// 32, 32,768 maps, most holding a connection actor or none, and a Go
// map's first entry costs a whole bucket (~270 bytes): ~220 bytes per
// idle connection and 3 MB up front (issue #17). One map per registry
// bucket keeps 1,024-way lock striping. Set before any map is made (the
// package's init runs before any actor system exists); a map made
// earlier keeps working, on its first shard.
func init() { cmap.SHARD_COUNT = 1 }

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
