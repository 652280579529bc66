package cluster

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/cluster"
)

// owners places identities on the members of one topology with the
// library's rendezvous hash, the one its disthash lookup places
// activations with. It is rebuilt once per topology (on the library's
// ClusterTopology event), never per lookup.
type owners struct {
	rdv atomic.Pointer[cluster.Rendezvous] // nil until the first topology
}

// update rebuilds the hash for the members of a new topology.
func (o *owners) update(members cluster.Members) {
	rdv := cluster.NewRendezvous()
	rdv.UpdateMembers(members)
	o.rdv.Store(rdv)
}

// owner is the address of the member that identity of kind belongs to,
// "" before the first topology or when no member has kind.
func (o *owners) owner(identity, kind string) string {
	rdv := o.rdv.Load()
	if rdv == nil {
		return ""
	}
	return rdv.GetByClusterIdentity(cluster.NewClusterIdentity(identity, kind))
}

// Owner returns the advertised address of the member that this member's
// latest topology places identity of kind on (the library's rendezvous
// hash over the members that have kind), or "" before the first topology
// or when no member has kind. Another member that has not yet seen the
// same topology may place it elsewhere.
func (m *Member) Owner(identity, kind string) string {
	return m.view.owners.owner(identity, kind)
}

// OwnedElsewhere reports whether this member's latest topology places
// identity of kind on another member. An activation here for which it is
// true is stale: it was made by a caller that had not yet seen the
// topology change, and it should answer RespondMoved and stop, so that
// the identity is not active in two places. It is false while the owner
// is unknown (no topology yet, see Owner).
func (m *Member) OwnedElsewhere(identity, kind string) bool {
	o := m.Owner(identity, kind)
	return o != "" && o != m.Address()
}
