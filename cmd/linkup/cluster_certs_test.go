package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/cluster"
)

// TestClusterCertsCommand: `linkup cluster certs` writes a CA and node
// certificates that serve accepts; it never overwrites; --ca-cert and
// --ca-key add a node to the same CA; bad input is one line, exit 1.
func TestClusterCertsCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	certs := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"cluster", "certs"}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := certs("--dir", dir, "--nodes", "n1, n2"); code != 0 || strings.Count(out, "--cluster-tls-cert") != 2 {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
	if fi, err := os.Stat(filepath.Join(dir, "ca-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("ca-key.pem: %v %v, want mode 0600", fi, err)
	}
	n1 := cluster.TLS{CertFile: filepath.Join(dir, "n1.pem"), KeyFile: filepath.Join(dir, "n1-key.pem"), CAFile: filepath.Join(dir, "ca.pem")}
	base := []string{"--store", "postgres", "--cluster-endpoints", "10.0.0.1:6330", "--cluster-provider-port", "6330", "--cluster-bind", "10.0.0.1:7000"}
	if _, cc, err := parseServe(t, append(base, tlsArgs(n1)...)...); err != nil || cc.TLS != n1 {
		t.Fatalf("serve with the written files: %+v, %v", cc.TLS, err)
	}
	if code, _, errs := certs("--dir", dir, "--nodes", "n1"); code != 1 || !strings.Contains(errs, "exists: nothing written") {
		t.Fatalf("second run: exit %d, %q", code, errs)
	}
	more := filepath.Join(t.TempDir(), "more")
	if code, _, errs := certs("--dir", more, "--nodes", "n3", "--ca-cert", n1.CAFile, "--ca-key", filepath.Join(dir, "ca-key.pem")); code != 0 {
		t.Fatalf("add n3: exit %d, %q", code, errs)
	}
	n3 := cluster.TLS{CertFile: filepath.Join(more, "n3.pem"), KeyFile: filepath.Join(more, "n3-key.pem"), CAFile: n1.CAFile}
	if _, _, err := n3.Load(); err != nil {
		t.Fatalf("n3 issued by the existing CA is not accepted by it: %v", err)
	}
	for _, bad := range [][]string{{"--dir", t.TempDir()}, {"--nodes", "../x"}, {"--nodes", "n1", "--ca-cert", n1.CAFile}} {
		if code, _, errs := certs(bad...); code != 1 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, %q; want 1 and one line", bad, code, errs)
		}
	}
}
