package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/cluster"
)

// testClusterCerts writes a test CA's files for the nodes in dir.
func testClusterCerts(t *testing.T, dir string, nodes ...string) map[string]cluster.TLS {
	t.Helper()
	ca, err := cluster.NewCA("linkup-test-ca", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]cluster.TLS{}
	for _, n := range nodes {
		f, err := ca.WriteNode(dir, n, time.Hour, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		out[n] = f
	}
	return out
}

func tlsArgs(f cluster.TLS) []string {
	return []string{"--cluster-tls-cert", f.CertFile, "--cluster-tls-key", f.KeyFile, "--cluster-tls-ca", f.CAFile}
}

// TestFlagsClusterTLS: the TLS flags reach the member's config; a bind
// other machines can reach needs them or --cluster-insecure; partial or
// unusable files are refused with the flag named.
func TestFlagsClusterTLS(t *testing.T) {
	dir := t.TempDir()
	f := testClusterCerts(t, dir, "n1")["n1"]
	other := testClusterCerts(t, t.TempDir(), "x")["x"]
	base := []string{"--store", "postgres", "--cluster-endpoints", "10.0.0.1:6330,10.0.0.2:6330", "--cluster-provider-port", "6330"}
	open := []string{"--cluster-bind", "10.0.0.1:7000"}
	for _, c := range []struct {
		name string
		args []string
		want string // the error, "" for none
	}{
		{"loopback bind needs nothing", []string{"--cluster-bind", "127.0.0.1:7000"}, ""},
		{"LAN bind without TLS", open, `--cluster-bind "10.0.0.1:7000" is reachable from other machines and the cluster ports have no TLS`},
		{"LAN bind, insecure on purpose", append(append([]string{}, open...), "--cluster-insecure"), ""},
		{"LAN bind with TLS", append(append([]string{}, open...), tlsArgs(f)...), ""},
		{"cert without key and CA", append(append([]string{}, open...), "--cluster-tls-cert", f.CertFile), "go together"},
		{"TLS and insecure", append(append(append([]string{}, open...), tlsArgs(f)...), "--cluster-insecure"), "choose one"},
		{"missing key file", append(append([]string{}, open...), "--cluster-tls-cert", f.CertFile, "--cluster-tls-key", filepath.Join(dir, "nope"), "--cluster-tls-ca", f.CAFile), "no such file"},
		{"certificate of another CA", append(append([]string{}, open...), "--cluster-tls-cert", other.CertFile, "--cluster-tls-key", other.KeyFile, "--cluster-tls-ca", f.CAFile), "not accepted by the cluster CA"},
		{"TLS flag without endpoints", []string{"--cluster-tls-ca", f.CAFile}, "--cluster-tls-ca needs --cluster-endpoints"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{}, base...)
			if c.name == "TLS flag without endpoints" {
				args = []string{"--store", "postgres"}
			}
			_, cc, err := parseServe(t, append(args, c.args...)...)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one containing %q", err, c.want)
			case c.want == "" && strings.Contains(c.name, "with TLS") && cc.TLS != f:
				t.Fatalf("TLS %+v, want %+v", cc.TLS, f)
			}
		})
	}
}

// Every TLS flag reads its LINKUP_ variable.
func TestFlagsClusterTLSFromEnvironment(t *testing.T) {
	f := testClusterCerts(t, t.TempDir(), "n1")["n1"]
	for k, v := range map[string]string{"LINKUP_STORE": "postgres", "LINKUP_CLUSTER_ENDPOINTS": "10.0.0.1:7331", "LINKUP_CLUSTER_PROVIDER_PORT": "7331",
		"LINKUP_CLUSTER_BIND": "10.0.0.1:7400", "LINKUP_CLUSTER_TLS_CERT": f.CertFile, "LINKUP_CLUSTER_TLS_KEY": f.KeyFile, "LINKUP_CLUSTER_TLS_CA": f.CAFile} {
		t.Setenv(k, v)
	}
	_, cc, err := parseServe(t)
	if err != nil || cc.TLS != f || cc.Insecure {
		t.Fatalf("config from the environment: %+v, %v", cc, err)
	}
	for _, k := range []string{"LINKUP_CLUSTER_TLS_CERT", "LINKUP_CLUSTER_TLS_KEY", "LINKUP_CLUSTER_TLS_CA"} {
		os.Unsetenv(k)
	}
	t.Setenv("LINKUP_CLUSTER_INSECURE", "true")
	if _, cc, err := parseServe(t); err != nil || !cc.Insecure {
		t.Fatalf("LINKUP_CLUSTER_INSECURE=true: %+v, %v", cc, err)
	}
}

// TestServeRefusesOpenClusterWithoutTLS: the real binary, one line on
// stderr, exit 1, before anything listens.
func TestServeRefusesOpenClusterWithoutTLS(t *testing.T) {
	cmd := exec.Command(os.Args[0], "serve", "--store", "postgres", "--postgres-url", "postgres://127.0.0.1:1/none",
		"--cluster-endpoints", "127.0.0.1:6330", "--cluster-provider-port", "6330", "--cluster-bind", "0.0.0.0:7000", "--cluster-advertise", "10.0.0.1:7000")
	cmd.Env = append(os.Environ(), "LINKUP_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if cmd.ProcessState.ExitCode() != 1 || len(lines) != 1 || !strings.Contains(lines[0], "--cluster-tls-cert") || !strings.Contains(lines[0], "--cluster-insecure") {
		t.Fatalf("exit %v, want 1 with one line naming --cluster-tls-cert and --cluster-insecure; output:\n%s", err, out)
	}
}
