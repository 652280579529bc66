package cluster

import (
	"fmt"
	"time"
)

// watchInterval is how often the watchdog checks its rules.
const watchInterval = 250 * time.Millisecond

// stallLimit is the longest this process may stop running (SIGSTOP, a VM
// pause, a stuck machine) and still trust that its peers kept it: they
// drop a member whose health check fails, after at most the library's
// 2 s health timeout.
const stallLimit = automanagedHealthTimeout

// watch ends the member when the cluster has dropped it (see
// docs/CLUSTER.md, "The watchdog"). The library never does: a member the
// others blocked keeps serving its identities forever.
func (m *Member) watch() {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-m.done:
			return
		case <-t.C:
			now := time.Now()
			if gap := now.Sub(last); gap > stallLimit {
				m.end(fmt.Errorf("%w: this process was stalled for %v", ErrStalled, gap.Round(time.Millisecond)))
				return
			}
			last = now
			if err := m.check(); err != nil {
				m.end(err)
				return
			}
		}
	}
}

// check applies the rules in order: blocked, cut off, no quorum (a stall
// is found by watch itself).
func (m *Member) check() error {
	self := m.ID()
	if m.c.Remote.BlockList().IsBlocked(self) {
		return ErrBlocked
	}
	if id, age := m.view.silent(self, m.cfg.PeerSilence); id != "" {
		return fmt.Errorf("%w: member %s silent for %v", ErrCutOff, id, age.Round(time.Millisecond))
	}
	if lost := m.view.quorumLostFor(m.cfg.MinMembers); lost > m.cfg.QuorumGrace {
		return fmt.Errorf("%w: %d of %d members for %v", ErrNoQuorum, len(m.view.members()), m.cfg.MinMembers, lost.Round(time.Millisecond))
	}
	return nil
}
