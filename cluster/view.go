package cluster

import (
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
)

// view keeps the member's latest topology as the library publishes it on
// the event stream, and when each member was first seen in it.
type view struct {
	mu        sync.Mutex
	ids       []string
	since     map[string]time.Time
	hadQuorum time.Time
	topology  int // topologies received
}

func newView(system *actor.ActorSystem) *view {
	v := &view{since: map[string]time.Time{}, hadQuorum: time.Now()}
	system.EventStream.Subscribe(func(ev any) {
		if t, ok := ev.(*cluster.ClusterTopology); ok {
			v.update(t)
		}
	})
	return v
}

func (v *view) update(t *cluster.ClusterTopology) {
	now := time.Now()
	ids := make([]string, 0, len(t.Members))
	since := make(map[string]time.Time, len(t.Members))
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, m := range t.Members {
		ids = append(ids, m.Id)
		since[m.Id] = now
		if at, ok := v.since[m.Id]; ok {
			since[m.Id] = at
		}
	}
	slices.Sort(ids)
	v.ids, v.since = ids, since
	v.topology++
}

func (v *view) members() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.ids)
}

// joinedBefore returns the members other than self seen for longer than d.
func (v *view) joinedBefore(self string, d time.Duration) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for _, id := range v.ids {
		if id != self && time.Since(v.since[id]) > d {
			out = append(out, id)
		}
	}
	return out
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
