package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Member is one running cluster member. Its methods are safe for
// concurrent use.
type Member struct {
	cfg      Config
	system   *actor.ActorSystem
	c        *cluster.Cluster
	view     *view
	provider *healthProvider
	tls      *tlsPair // nil without Config.TLS
	refused  *refusals
	calls    atomic.Int64
	retries  atomic.Int64

	done     chan struct{}
	stopOnce sync.Once
	mu       sync.Mutex
	err      error
}

// Start validates cfg, starts the actor system, the remote, the provider
// and the identity lookup with kinds, and (unless NoWatchdog) the
// watchdog. It returns once the library's start has returned (which waits
// a fixed second); the first topology may arrive later (see Members).
func Start(cfg Config, kinds ...*cluster.Kind) (*Member, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.defaults()
	m := &Member{cfg: cfg, done: make(chan struct{}), refused: &refusals{log: cfg.Logger}}
	if cfg.TLS.Enabled() {
		tp, err := cfg.TLS.load() // Validate loaded them a moment ago
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		m.tls = tp
	}
	if err := m.start(kinds); err != nil {
		return nil, err
	}
	if err := m.checkHealth(); err != nil {
		m.end(err)
		return nil, err
	}
	if !cfg.NoWatchdog {
		go m.watch()
	}
	return m, nil
}

func (m *Member) start(kinds []*cluster.Kind) (err error) {
	log := m.cfg.Logger
	m.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return log }))
	m.system.ID = memberID(m.cfg.Node, m.system.ID) // read by the cluster only, from StartMember on
	m.view = newView(m.system)
	if m.provider, err = newHealthProvider(m.cfg, m.tls, m.refused); err != nil {
		return err
	}
	host, port, _ := splitHostPort(m.cfg.Bind)
	rcfg := remote.Configure(host, port, m.remoteOptions()...)
	ccfg := cluster.Configure(m.cfg.Cluster, m.provider, disthash.New(), rcfg,
		cluster.WithKinds(kinds...), cluster.WithRequestTimeout(m.cfg.RequestTimeout))
	defer func() { // the library panics where it could return an error
		if r := recover(); r != nil {
			m.system.Shutdown()
			_ = m.provider.Shutdown(false)
			err = fmt.Errorf("%w: %v", ErrStart, r)
		}
	}()
	m.c = cluster.New(m.system, ccfg)
	m.c.StartMember()
	return nil
}

// handshakeTimeout bounds a connection's TLS and HTTP/2 handshake on the
// remote (gRPC's default is 120 s, which lets a stranger hold connections
// open for two minutes each without a certificate).
const handshakeTimeout = 10 * time.Second

// remoteOptions are the remote's: the advertised address and, with TLS,
// the gRPC server's and dialer's credentials (the library's default dials
// without any).
func (m *Member) remoteOptions() []remote.ConfigOption {
	server := []grpc.ServerOption{grpc.ConnectionTimeout(handshakeTimeout)}
	opts := []remote.ConfigOption{remote.WithAdvertisedHost(m.cfg.Advertise)}
	if m.tls != nil {
		server = append(server, grpc.Creds(countingCreds{credentials.NewTLS(m.tls.server), m.refused}))
		opts = append(opts, remote.WithDialOptions(grpc.WithTransportCredentials(credentials.NewTLS(m.tls.client))))
	}
	return append(opts, remote.WithServerOptions(server...))
}

// Secure reports whether the member's ports use mutual TLS.
func (m *Member) Secure() bool { return m.tls != nil }

// ID is this member's id: random per start, never reused.
func (m *Member) ID() string { return m.system.ID }

// Node is the configured node name.
func (m *Member) Node() string { return m.cfg.Node }

// Address is the advertised host:port of the member's remote.
func (m *Member) Address() string { return m.system.Address() }

// Cluster is the library's cluster, for spawning and the lower-level API.
func (m *Member) Cluster() *cluster.Cluster { return m.c }

// Members returns the ids of the members in this member's latest
// topology, sorted.
func (m *Member) Members() []string { return m.view.members() }

// Blocked returns the member ids this member blocks.
func (m *Member) Blocked() []string {
	b := m.c.GetBlockedMembers().ToSlice()
	slices.Sort(b)
	return b
}

// Done is closed when the member has ended: Stop was called, or the
// watchdog found the cluster had dropped it. Err says which.
func (m *Member) Done() <-chan struct{} { return m.done }

// Err is nil while the member runs, then ErrStopped, ErrBlocked,
// ErrCutOff or ErrNoQuorum (wrapped with detail).
func (m *Member) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// Stop leaves the cluster without the library's graceful path (which
// sleeps 2 s and can block on a dead peer) and shuts the actor system
// down. Safe to call more than once and after the watchdog ended it.
func (m *Member) Stop() { m.end(ErrStopped) }

func (m *Member) end(reason error) {
	m.stopOnce.Do(func() {
		m.mu.Lock()
		m.err = reason
		m.mu.Unlock()
		level := slog.LevelWarn // the watchdog's reasons
		if errors.Is(reason, ErrStopped) {
			level = slog.LevelInfo
		}
		m.cfg.Logger.Log(context.Background(), level, "cluster member ending", "node", m.cfg.Node, "id", m.ID(), "reason", reason)
		m.c.Shutdown(false)
		_ = m.provider.Shutdown(false) // the library's non-graceful path does not stop the provider
		close(m.done)
	})
}
