package cluster

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"
)

// ProviderAutomanaged is the only provider today: a static list of health
// endpoints that every member polls (no external service). See
// docs/CLUSTER.md for why.
const ProviderAutomanaged = "automanaged"

// automanagedHealthTimeout is the library's fixed HTTP timeout for one
// health check (automanaged.NewWithConfig); a silent peer leaves the
// topology at most Refresh plus this after it went silent.
const automanagedHealthTimeout = 2 * time.Second

// Config configures a Member. Zero values mean the defaults.
type Config struct {
	// Node names this node in logs and in the demo kind's replies
	// (default: the host name). The cluster member id is not this: the
	// library gives every start a fresh random id, which is what lets a
	// restarted member rejoin.
	Node string
	// Cluster is the cluster name; members with another name are ignored
	// (default "linkup").
	Cluster string
	// Bind is the host:port the member's gRPC remote listens on (default
	// "127.0.0.1:0", a free port on loopback).
	Bind string
	// Advertise is the host:port other members dial (default: Bind, with
	// the port the listener got).
	Advertise string
	// Provider names the membership provider (default and only value:
	// "automanaged").
	Provider string
	// Endpoints are the provider's endpoints: for automanaged, the
	// host:port of every member's health endpoint, this one included
	// (required).
	Endpoints []string
	// ProviderPort is the port this member's automanaged health endpoint
	// listens on (default 6330), on Bind's host (every interface when
	// Bind's host is empty or unspecified, 0.0.0.0 or ::).
	ProviderPort int
	// Refresh is how often the provider polls the endpoints (default
	// 500 ms).
	Refresh time.Duration
	// RequestTimeout bounds one attempt of Request (default 1 s).
	RequestTimeout time.Duration
	// RequestAttempts is how many times Request tries, with the same
	// message, before ErrTimeout (default 4: with the default timeout the
	// last try starts after 3 s, once the provider has dropped an owner
	// that stopped answering, at most Refresh + 2 s after it did).
	RequestAttempts int
	// MaxInFlight bounds the library calls running at once, including
	// attempts that timed out here but still wait inside the library (its
	// identity lookup waits a fixed 5 s on a dead owner); beyond it
	// Request answers ErrUnavailable at once (default 1024).
	MaxInFlight int
	// PeerSilence is how long a member of this member's topology may send
	// no gossip before the watchdog ends this member with ErrCutOff
	// (default 5 s; at least Refresh + 3 s, so a peer that really died
	// leaves the topology first).
	PeerSilence time.Duration
	// MinMembers is the quorum: with fewer members for QuorumGrace the
	// watchdog ends this member with ErrNoQuorum (default: a majority of
	// Endpoints; 1 turns the rule off).
	MinMembers int
	// QuorumGrace is how long the member may lack a quorum, from start
	// or from the last time it had one (default 10 s).
	QuorumGrace time.Duration
	// TLS turns on mutual TLS on both cluster ports (see TLS). Without
	// it both ports accept anyone who can reach them.
	TLS TLS
	// Insecure allows a Bind that is not loopback without TLS. Without
	// it Validate refuses that Bind: anyone who reaches the remote could
	// send any identity anything (post as any user).
	Insecure bool
	// NoWatchdog turns the watchdog off: the library's own behaviour,
	// for tests that show it.
	NoWatchdog bool
	// Logger receives this package's and the library's logs (default:
	// discarded).
	Logger *slog.Logger
}

// Validate reports the first invalid field, wrapping ErrConfig.
func (c *Config) Validate() error {
	d := *c
	d.defaults()
	for _, check := range []func(*Config) error{checkProvider, checkAddrs, checkDurations, checkCounts} {
		if err := check(&d); err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	return checkSecurity(&d)
}

func (c *Config) defaults() {
	if c.Node == "" {
		c.Node, _ = os.Hostname()
	}
	c.Cluster = orString(c.Cluster, "linkup")
	c.Bind = orString(c.Bind, "127.0.0.1:0")
	c.Provider = orString(c.Provider, ProviderAutomanaged)
	c.ProviderPort = orInt(c.ProviderPort, 6330)
	c.Refresh = orDuration(c.Refresh, 500*time.Millisecond)
	c.RequestTimeout = orDuration(c.RequestTimeout, time.Second)
	c.RequestAttempts = orInt(c.RequestAttempts, 4)
	c.MaxInFlight = orInt(c.MaxInFlight, 1024)
	c.PeerSilence = orDuration(c.PeerSilence, 5*time.Second)
	c.MinMembers = orInt(c.MinMembers, len(c.Endpoints)/2+1)
	c.QuorumGrace = orDuration(c.QuorumGrace, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func checkProvider(c *Config) error {
	if c.Provider != ProviderAutomanaged {
		return fmt.Errorf("Provider %q: only %q is supported", c.Provider, ProviderAutomanaged)
	}
	if len(c.Endpoints) == 0 {
		return fmt.Errorf("Endpoints: at least one (this member's) is required")
	}
	if c.ProviderPort < 1 || c.ProviderPort > 65535 {
		return fmt.Errorf("ProviderPort %d: not a port", c.ProviderPort)
	}
	return nil
}

func checkAddrs(c *Config) error {
	if _, _, err := splitHostPort(c.Bind); err != nil {
		return fmt.Errorf("Bind: %v", err)
	}
	if c.Advertise != "" {
		if _, p, err := splitHostPort(c.Advertise); err != nil || p == 0 {
			return fmt.Errorf("Advertise %q: want host:port with a port", c.Advertise)
		}
	}
	for _, e := range c.Endpoints {
		if _, p, err := splitHostPort(e); err != nil || p == 0 {
			return fmt.Errorf("Endpoints: %q: want host:port with a port", e)
		}
	}
	return nil
}

func checkDurations(c *Config) error {
	for name, d := range map[string]time.Duration{"Refresh": c.Refresh, "RequestTimeout": c.RequestTimeout,
		"PeerSilence": c.PeerSilence, "QuorumGrace": c.QuorumGrace} {
		if d < 0 {
			return fmt.Errorf("%s %v: negative", name, d)
		}
	}
	if min := c.Refresh + automanagedHealthTimeout + time.Second; c.PeerSilence < min {
		return fmt.Errorf("PeerSilence %v: below Refresh + 3 s (%v): live members would be cut off before a dead peer leaves the topology", c.PeerSilence, min)
	}
	return nil
}

func checkCounts(c *Config) error {
	switch {
	case c.RequestAttempts < 0 || c.MaxInFlight < 0:
		return fmt.Errorf("RequestAttempts and MaxInFlight: negative")
	case c.MinMembers < 0 || c.MinMembers > len(c.Endpoints):
		return fmt.Errorf("MinMembers %d: want 0..%d (the endpoints)", c.MinMembers, len(c.Endpoints))
	}
	return nil
}

func checkSecurity(c *Config) error {
	if c.TLS.Enabled() {
		if _, err := c.TLS.load(); err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		return nil
	}
	if host, _, _ := splitHostPort(c.Bind); !isLoopback(host) && !c.Insecure {
		return fmt.Errorf("%w: %w: Bind %q is not loopback: anyone who reaches the cluster ports could act as any user; give TLS (certificate, key, CA) or set Insecure", ErrConfig, ErrInsecure, c.Bind)
	}
	return nil
}

func splitHostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("%q: bad port", addr)
	}
	return h, n, nil
}

func orString(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func orInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func orDuration(v, d time.Duration) time.Duration {
	if v == 0 {
		return d
	}
	return v
}
