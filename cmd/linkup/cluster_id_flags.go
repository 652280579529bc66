package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/linkup-chat/linkup/cluster"
)

// clusterFlags are serve's cluster flags (docs/CLUSTER.md); cluster mode
// is off while --cluster-endpoints is empty.
type clusterFlags struct {
	node         string
	bind         string
	advertise    string
	provider     string
	endpoints    string
	providerPort int
	name         string
	minMembers   int
	tls          clusterTLSFlags
}

func (c *clusterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.node, "cluster-node", "", "this node's name in the cluster (default: --node, else the host name)")
	fs.StringVar(&c.bind, "cluster-bind", "127.0.0.1:0", "host:port the cluster remote (gRPC) listens on; port 0 picks a free one")
	fs.StringVar(&c.advertise, "cluster-advertise", "", "host:port the other nodes dial for this node's remote (default: --cluster-bind with the port it got; required when --cluster-bind listens on every interface)")
	fs.StringVar(&c.provider, "cluster-provider", cluster.ProviderAutomanaged, "membership provider: automanaged (a static list of health endpoints) is the only one")
	fs.StringVar(&c.endpoints, "cluster-endpoints", "", "comma list of every node's provider host:port, this node's included; cluster mode is off when empty")
	fs.IntVar(&c.providerPort, "cluster-provider-port", 6330, "port of this node's provider (automanaged health) endpoint; it listens on --cluster-bind's host")
	fs.StringVar(&c.name, "cluster-name", "linkup", "cluster name; nodes with another name ignore this one")
	fs.IntVar(&c.minMembers, "cluster-min-members", 0, "quorum: with fewer members for 10 s this node exits (default: a majority of --cluster-endpoints; 1 turns it off)")
	c.tls.register(fs)
}

// errClusterFlags is wrapped by every refusal of the cluster flags.
var errClusterFlags = errors.New("cluster flags")

// enabled reports whether cluster mode is on.
func (c *clusterFlags) enabled() bool { return strings.TrimSpace(c.endpoints) != "" }

// nodeName picks the one name of this node from --node and
// --cluster-node.
func (c *clusterFlags) nodeName(node string) (string, error) {
	switch {
	case c.node == "" || c.node == node:
		return node, nil
	case node == "":
		return c.node, nil
	}
	return "", fmt.Errorf("%w: --node %q and --cluster-node %q differ: a node has one name (set one of them)", errClusterFlags, node, c.node)
}

// config checks the cluster flags against the store and returns the
// member's configuration; set is the flags given explicitly (a cluster
// flag without --cluster-endpoints is refused, not ignored).
func (c *clusterFlags) config(store, node string, set map[string]bool) (cluster.Config, error) {
	if !c.enabled() {
		for f := range set {
			if strings.HasPrefix(f, "cluster-") {
				return cluster.Config{}, fmt.Errorf("%w: --%s needs --cluster-endpoints (the provider endpoints of every node); without it this node runs alone", errClusterFlags, f)
			}
		}
		return cluster.Config{}, nil
	}
	if c.provider != cluster.ProviderAutomanaged {
		return cluster.Config{}, fmt.Errorf("%w: --cluster-provider %q: only %q is supported (etcd, consul, k8s and zk are not wired in; docs/CLUSTER.md says why)", errClusterFlags, c.provider, cluster.ProviderAutomanaged)
	}
	if store != "postgres" {
		return cluster.Config{}, fmt.Errorf("%w: cluster mode needs --store postgres: the nodes must share one event log, and the %q store is not shared", errClusterFlags, orEmbedded(store))
	}
	eps, err := c.endpointList()
	if err != nil {
		return cluster.Config{}, err
	}
	if host, _, err := net.SplitHostPort(c.bind); err == nil && c.advertise == "" && (host == "" || net.ParseIP(host).IsUnspecified()) {
		return cluster.Config{}, fmt.Errorf("%w: --cluster-bind %q listens on every interface: set --cluster-advertise to the host:port the other nodes dial", errClusterFlags, c.bind)
	}
	cfg := cluster.Config{Node: node, Cluster: c.name, Bind: c.bind, Advertise: c.advertise, Provider: c.provider,
		Endpoints: eps, ProviderPort: c.providerPort, MinMembers: c.minMembers}
	if err := c.tls.apply(&cfg); err != nil {
		return cluster.Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		if errors.Is(err, cluster.ErrInsecure) {
			return cluster.Config{}, insecureRefusal(err, c.bind)
		}
		return cluster.Config{}, fmt.Errorf("%w: %v", errClusterFlags, err)
	}
	return cfg, nil
}

// endpointList splits --cluster-endpoints and checks that this node's own
// provider endpoint is in it (the provider polls every member, itself
// included).
func (c *clusterFlags) endpointList() ([]string, error) {
	var eps []string
	own := false
	for _, e := range strings.Split(c.endpoints, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		eps = append(eps, e)
		own = own || strings.HasSuffix(e, fmt.Sprintf(":%d", c.providerPort))
	}
	if !own {
		return nil, fmt.Errorf("%w: --cluster-endpoints %q does not include this node's own provider endpoint (port %d, --cluster-provider-port)", errClusterFlags, c.endpoints, c.providerPort)
	}
	return eps, nil
}

func orEmbedded(store string) string {
	if store == "" {
		return "embedded"
	}
	return store
}

// flagsSet returns the names of the flags given on the command line or
// through the environment.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// clusterConfig settles the node's name (--node, --cluster-node) and
// checks the cluster flags; the member's config is the zero value when
// cluster mode is off.
func (c *serveConfig) clusterConfig() (cluster.Config, error) {
	node, err := c.cluster.nodeName(c.node)
	if err != nil {
		return cluster.Config{}, err
	}
	c.node = node
	return c.cluster.config(c.store, node, c.flagsSet)
}
