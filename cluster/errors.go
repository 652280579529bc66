package cluster

import "errors"

var (
	// ErrConfig is wrapped by Config.Validate for every invalid field.
	ErrConfig = errors.New("cluster: invalid config")
	// ErrInsecure is wrapped (with ErrConfig) by Config.Validate when Bind
	// is reachable from other machines and neither TLS nor Insecure is
	// set.
	ErrInsecure = errors.New("cluster: ports reachable from other machines without TLS")
	// ErrStart is wrapped by Start when the library fails to start the
	// member (for example, a port in use: the library panics, Start
	// recovers).
	ErrStart = errors.New("cluster: start member")
	// ErrBlocked is Member.Err when the member found its own id in the
	// block list: the others will never accept it again.
	ErrBlocked = errors.New("cluster: this member is blocked by the cluster")
	// ErrCutOff is Member.Err when a member of its topology has sent no
	// gossip for longer than Config.PeerSilence: the others have dropped
	// this member (after a freeze, a pause or a one-sided partition) while
	// it still sees them.
	ErrCutOff = errors.New("cluster: this member no longer hears its peers")
	// ErrStalled is Member.Err when the process stopped running for longer
	// than the peers' failure detection (the library's 2 s health
	// timeout): SIGSTOP, a VM pause. The peers have most likely dropped
	// and blocked it, and news they sent before that may still arrive
	// after it resumes, so it does not wait to find out.
	ErrStalled = errors.New("cluster: this member was stalled past the failure detection")
	// ErrNoQuorum is Member.Err when the member saw fewer than
	// Config.MinMembers members for longer than Config.QuorumGrace: it is
	// on the minority side of a partition.
	ErrNoQuorum = errors.New("cluster: fewer members than the quorum")
	// ErrStopped is Member.Err after Stop.
	ErrStopped = errors.New("cluster: member stopped")
	// ErrTimeout is returned by Request when every attempt timed out.
	ErrTimeout = errors.New("cluster: request timed out")
	// ErrUnavailable is returned by Request when Config.MaxInFlight
	// library calls are running (attempts given up here still wait inside
	// the library) or the member has ended.
	ErrUnavailable = errors.New("cluster: unavailable")
	// ErrGrain is wrapped by Request when the identity answered with a
	// GrainErrorResponse or a reply of an unexpected type.
	ErrGrain = errors.New("cluster: grain error")
	// ErrMoved is returned by Request when every attempt reached a stale
	// activation (one on a member whose topology places the identity
	// elsewhere, see RespondMoved): the callee never handled it.
	ErrMoved = errors.New("cluster: identity moved to another member")
)
