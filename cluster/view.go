package cluster

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
)

// view keeps the member's latest topology as the library publishes it on
// the event stream, when each member was first seen in it, and when
// gossip last brought news of each member's heartbeat (directly or
// through another member). It reads only events, never the gossip
// actor, so a busy gossip actor cannot stall the watchdog.
type view struct {
	mu        sync.Mutex
	ids       []string
	addrs     map[string]string
	since     map[string]time.Time
	heard     map[string]time.Time
	hadQuorum time.Time
	owners    owners
}

func newView(system *actor.ActorSystem) *view {
	v := &view{since: map[string]time.Time{}, heard: map[string]time.Time{}, hadQuorum: time.Now()}
	system.EventStream.Subscribe(func(ev any) {
		switch e := ev.(type) {
		case *cluster.ClusterTopology:
			v.update(e)
			v.owners.update(e.Members)
		case *cluster.GossipUpdate:
			if e.Key == cluster.HeartbeatKey {
				v.beat(e.MemberID)
			}
		}
	})
	return v
}

func (v *view) beat(id string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.heard[id] = time.Now()
}

// silent returns a member other than self, in the topology for longer
// than d, with no heartbeat news for longer than d.
func (v *view) silent(self string, d time.Duration) (string, time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, id := range v.ids {
		if id == self || time.Since(v.since[id]) <= d {
			continue
		}
		age := time.Since(v.since[id]) // never heard: since it joined
		if at, ok := v.heard[id]; ok {
			age = time.Since(at)
		}
		if age > d {
			return id, age
		}
	}
	return "", 0
}

func (v *view) update(t *cluster.ClusterTopology) {
	now := time.Now()
	ids := make([]string, 0, len(t.Members))
	since := make(map[string]time.Time, len(t.Members))
	addrs := make(map[string]string, len(t.Members))
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, m := range t.Members {
		ids = append(ids, m.Id)
		addrs[m.Id] = m.Address()
		since[m.Id] = now
		if at, ok := v.since[m.Id]; ok {
			since[m.Id] = at
		}
	}
	for id := range v.heard {
		if _, ok := since[id]; !ok {
			delete(v.heard, id) // bounded by the topology
		}
	}
	slices.Sort(ids)
	v.ids, v.since, v.addrs = ids, since, addrs
}

// addresses returns the remote address of each member of the topology.
func (v *view) addresses() map[string]string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return maps.Clone(v.addrs)
}

func (v *view) members() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.ids)
}

// quorumLostFor returns how long the member has had fewer than min
// members (0 while it has them).
func (v *view) quorumLostFor(min int) time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.ids) >= min {
		v.hadQuorum = time.Now()
		return 0
	}
	return time.Since(v.hadQuorum)
}
