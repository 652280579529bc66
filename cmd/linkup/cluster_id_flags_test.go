package main

import (
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/cluster"
	"github.com/peterbourgon/ff/v3"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// parseServe parses serve's flags (and LINKUP_ variables) as the command
// does and settles the cluster config.
func parseServe(t *testing.T, args ...string) (serveConfig, cluster.Config, error) {
	t.Helper()
	fs := newFlagSet("serve", io.Discard)
	var cfg serveConfig
	cfg.register(fs)
	if err := ff.Parse(fs, args, envOptions()...); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	cfg.flagsSet = flagsSet(fs)
	ccfg, err := cfg.clusterConfig()
	return cfg, ccfg, err
}

func TestFlagsCluster(t *testing.T) {
	pg := []string{"--store", "postgres"}
	eps := []string{"--cluster-endpoints", "127.0.0.1:6331, 127.0.0.1:6332,127.0.0.1:6333", "--cluster-provider-port", "6332"}
	for _, c := range []struct {
		name string
		args []string
		want string // the error, "" for none
	}{
		{"off by default", nil, ""},
		{"postgres and endpoints", append(slices.Clone(pg), eps...), ""},
		{"embedded store refused", eps, "cluster mode needs --store postgres"},
		{"esdb store refused", append([]string{"--store", "esdb"}, eps...), `the "esdb" store is not shared`},
		{"other provider refused", append(append(slices.Clone(pg), eps...), "--cluster-provider", "etcd"), `--cluster-provider "etcd": only "automanaged"`},
		{"cluster flag without endpoints", append(slices.Clone(pg), "--cluster-advertise", "10.0.0.1:7000"), "--cluster-advertise needs --cluster-endpoints"},
		{"own endpoint missing", append(append(slices.Clone(pg), eps...), "--cluster-provider-port", "6400"), "does not include this node's own provider endpoint"},
		{"quorum above the endpoints", append(append(slices.Clone(pg), eps...), "--cluster-min-members", "4"), "MinMembers 4"},
		{"bad bind", append(append(slices.Clone(pg), eps...), "--cluster-bind", "nohost"), "Bind"},
		{"any-interface bind without advertise", append(append(slices.Clone(pg), eps...), "--cluster-bind", "0.0.0.0:7000"), "set --cluster-advertise"},
		{"any-interface bind with advertise, no TLS", append(append(slices.Clone(pg), eps...), "--cluster-bind", ":7000", "--cluster-advertise", "10.0.0.1:7000"), "the cluster ports have no TLS"},
		{"any-interface bind with advertise, insecure", append(append(slices.Clone(pg), eps...), "--cluster-bind", ":7000", "--cluster-advertise", "10.0.0.1:7000", "--cluster-insecure"), ""},
		{"two names", append(append(slices.Clone(pg), eps...), "--node", "a", "--cluster-node", "b"), `--node "a" and --cluster-node "b" differ`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := parseServe(t, c.args...)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestFlagsClusterConfig(t *testing.T) {
	cfg, cc, err := parseServe(t, "--store", "postgres", "--cluster-node", "n2", "--cluster-endpoints", "127.0.0.1:6331,127.0.0.1:6332",
		"--cluster-provider-port", "6332", "--cluster-bind", "0.0.0.0:7002", "--cluster-advertise", "10.0.0.2:7002", "--cluster-name", "prod", "--cluster-min-members", "1", "--cluster-insecure")
	if err != nil {
		t.Fatal(err)
	}
	want := cluster.Config{Node: "n2", Cluster: "prod", Bind: "0.0.0.0:7002", Advertise: "10.0.0.2:7002", Provider: "automanaged",
		Endpoints: []string{"127.0.0.1:6331", "127.0.0.1:6332"}, ProviderPort: 6332, MinMembers: 1}
	if cfg.node != "n2" || !slices.Equal(cc.Endpoints, want.Endpoints) || cc.Node != want.Node || cc.Cluster != want.Cluster || cc.Bind != want.Bind ||
		cc.Advertise != want.Advertise || cc.ProviderPort != want.ProviderPort || cc.MinMembers != want.MinMembers || cc.Provider != want.Provider || !cc.Insecure {
		t.Fatalf("node %q, config %+v, want %+v", cfg.node, cc, want)
	}
}

// Every cluster flag reads its LINKUP_ variable, like every other flag.
func TestFlagsClusterFromEnvironment(t *testing.T) {
	for k, v := range map[string]string{"LINKUP_STORE": "postgres", "LINKUP_CLUSTER_ENDPOINTS": "127.0.0.1:7331", "LINKUP_CLUSTER_PROVIDER_PORT": "7331",
		"LINKUP_CLUSTER_NODE": "env-node", "LINKUP_CLUSTER_BIND": "127.0.0.1:7400", "LINKUP_CLUSTER_ADVERTISE": "127.0.0.1:7400",
		"LINKUP_CLUSTER_NAME": "envc", "LINKUP_CLUSTER_MIN_MEMBERS": "1", "LINKUP_CLUSTER_PROVIDER": "automanaged"} {
		t.Setenv(k, v)
	}
	cfg, cc, err := parseServe(t)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.cluster.enabled() || cc.Node != "env-node" || cc.ProviderPort != 7331 || cc.Bind != "127.0.0.1:7400" || cc.Advertise != "127.0.0.1:7400" || cc.Cluster != "envc" || cc.MinMembers != 1 {
		t.Fatalf("config from the environment: %+v", cc)
	}
	t.Setenv("LINKUP_STORE", "embedded")
	if _, _, err := parseServe(t); err == nil || !strings.Contains(err.Error(), "needs --store postgres") {
		t.Fatalf("LINKUP_STORE=embedded with LINKUP_CLUSTER_ENDPOINTS: %v", err)
	}
}

// The EventStoreDB client and the cluster both ship a "gossip.proto":
// linkup starts (internal/protoconflict) and both files' types are
// registered. Without protoconflict every linkup command panics at start.
func TestFlagsBothGossipProtosRegistered(t *testing.T) {
	for _, name := range []string{"cluster.GossipRequest", "cluster.GrainRequest", "event_store.client.gossip.ClusterInfo"} {
		if _, err := protoregistry.GlobalTypes.FindMessageByName(protoreflectName(name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	cmd := exec.Command(os.Args[0], "serve", "-h")
	cmd.Env = append(os.Environ(), "LINKUP_TEST_MAIN=1")
	out, _ := cmd.CombinedOutput()
	if strings.Contains(string(out), "panic") || !strings.Contains(string(out), "-cluster-endpoints") {
		t.Fatalf("linkup serve -h:\n%s", out)
	}
}

func protoreflectName(s string) protoreflect.FullName { return protoreflect.FullName(s) }
