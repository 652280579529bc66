package cluster

import (
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/cluster"
)

// watchInterval is how often the watchdog checks its rules.
const watchInterval = 250 * time.Millisecond

// watch ends the member when the cluster has dropped it (see
// docs/CLUSTER.md, "The watchdog"). The library never does: a member the
// others blocked keeps serving its identities forever.
func (m *Member) watch() {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-m.done:
			return
		case <-t.C:
			if err := m.check(); err != nil {
				m.end(err)
				return
			}
		}
	}
}

// check applies the rules in order: blocked, cut off, no quorum.
func (m *Member) check() error {
	self := m.ID()
	if m.c.Remote.BlockList().IsBlocked(self) {
		return ErrBlocked
	}
	if id, age := m.silentPeer(self); id != "" {
		return fmt.Errorf("%w: member %s silent for %v", ErrCutOff, id, age.Round(time.Millisecond))
	}
	if lost := m.view.quorumLostFor(m.cfg.MinMembers); lost > m.cfg.QuorumGrace {
		return fmt.Errorf("%w: %d of %d members for %v", ErrNoQuorum, len(m.view.members()), m.cfg.MinMembers, lost.Round(time.Millisecond))
	}
	return nil
}

// silentPeer returns a member of the topology, there for longer than
// PeerSilence, whose gossip heartbeat is older than PeerSilence. A member
// that others have dropped hears nothing: they stop gossiping to it, and
// its own gossip is refused by their remotes.
func (m *Member) silentPeer(self string) (string, time.Duration) {
	peers := m.view.joinedBefore(self, m.cfg.PeerSilence)
	if len(peers) == 0 {
		return "", 0
	}
	beats, err := m.c.Gossip.GetState(cluster.HeartbeatKey)
	if err != nil {
		return "", 0 // the gossip actor is busy or stopping; next tick
	}
	for _, id := range peers {
		age := m.cfg.PeerSilence + time.Nanosecond // never heard at all
		if b, ok := beats[id]; ok {
			age = time.Since(time.UnixMilli(b.LocalTimestampUnixMilliseconds))
		}
		if age > m.cfg.PeerSilence {
			return id, age
		}
	}
	return "", 0
}
