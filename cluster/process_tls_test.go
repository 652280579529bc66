//go:build linux

package cluster_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/cluster"
)

// pki is a test CA and where its files go.
type pki struct {
	dir string
	ca  *cluster.CA
}

func newPKI(t *testing.T, name string) pki {
	t.Helper()
	ca, err := cluster.NewCA(name, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return pki{dir: t.TempDir(), ca: ca}
}

// node writes node's certificate and returns the member flags naming it.
func (p pki) node(t *testing.T, node string) []string {
	t.Helper()
	f, err := p.ca.WriteNode(p.dir, node, time.Hour, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return []string{"-tls-cert", f.CertFile, "-tls-key", f.KeyFile, "-tls-ca", f.CAFile}
}

// tlsRing is a loopback ring whose members have certificates of p.
func tlsRing(t *testing.T, p pki, n int) ring {
	r := newRing(t, n)
	for i := range n {
		r.args = append(r.args, p.node(t, fmt.Sprintf("n%d", i)))
	}
	return r
}

// probeResult is what the member binary's -probe prints.
type probeResult struct {
	OK     bool     `json:"ok"`
	Node   string   `json:"node"`
	Errors []string `json:"errors"`
}

// strangerProbe runs the member binary as a stranger that sends a demo
// GrainRequest to every remote address of r (see probe.go) and returns
// what it saw.
func strangerProbe(t *testing.T, r ring, args ...string) probeResult {
	t.Helper()
	var addrs []string
	for i := range r.hosts {
		addrs = append(addrs, r.addr(i, r.remote))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, memberBin, append([]string{"-probe", strings.Join(addrs, ","), "-identity", "stranger-1"}, args...)...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	var res probeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("probe: %v; output %q; stderr:\n%s", err, out, stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); res.OK != (code == 0) {
		t.Fatalf("probe exit %d with ok=%v", code, res.OK)
	}
	return res
}

// TestProcessInsecureRemoteServesStrangers is the hole, and the control
// for TestProcessTLSCluster: without TLS, a process that is no member at
// all (a bare actor system with a remote) gets a grain activated and
// answered on a member, which is how it could post as anyone to a chat.
func TestProcessInsecureRemoteServesStrangers(t *testing.T) {
	r, _ := startRing(t, 2, true)
	if res := strangerProbe(t, r); !res.OK || res.Node == "" {
		t.Fatalf("a stranger's GrainRequest to an insecure cluster was not answered: %+v", res)
	}
}

// TestProcessTLSCluster: three members with certificates of one test CA
// find each other over the health port's mutual TLS and answer requests
// across processes over the remote's; a stranger without a certificate,
// with one of another CA, or speaking plain gRPC gets nothing answered,
// and the same stranger with a certificate of the cluster's CA does
// (so the refusals are the certificates', not the probe's). The health
// endpoint answers only a client with a certificate of the CA.
func TestProcessTLSCluster(t *testing.T) {
	buildMember(t)
	p, other := newPKI(t, "linkup-test-ca"), newPKI(t, "another-ca")
	r, ps := startMembers(t, tlsRing(t, p, 3), true)
	for _, node := range []string{"n1", "n2"} {
		hostedOn(t, ps[0], node) // n0's request answered by another member, over TLS
	}
	for _, tc := range []struct {
		name string
		args []string
		ok   bool
	}{
		{"plain gRPC", nil, false},
		{"TLS without a certificate", []string{"-probe-tls"}, false},
		{"TLS with a certificate of another CA", append([]string{"-probe-tls"}, other.node(t, "stranger")...), false},
		{"TLS with a certificate of the cluster's CA", append([]string{"-probe-tls"}, p.node(t, "n3")...), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // a refused probe waits out its timeouts (3 s per member)
			res := strangerProbe(t, r, tc.args...)
			if res.OK != tc.ok {
				t.Fatalf("probe answered=%v, want %v: %+v", res.OK, tc.ok, res)
			}
			t.Logf("%+v", res)
		})
	}
	t.Run("health port", func(t *testing.T) { checkHealthPort(t, r, p, other) })
	t.Cleanup(func() { checkRefusalsCounted(t, ps) }) // after the parallel subtests
}

// checkRefusalsCounted: the probes' and the health checks' failed
// handshakes are counted (a stranger probes every member's remote; member
// 0's health port was asked three times without a certificate of the CA).
func checkRefusalsCounted(t *testing.T, ps []*proc) {
	for _, m := range ps {
		s := m.status(t)
		t.Logf("%s refused %d remote and %d health handshakes", m.name, s.RefusedRemote, s.RefusedHealth)
		if s.RefusedRemote == 0 {
			t.Errorf("%s counts no refused remote handshake", m.name)
		}
	}
	if s := ps[0].status(t); s.RefusedHealth < 3 {
		t.Errorf("n0 counts %d refused health handshakes, want at least 3", s.RefusedHealth)
	}
}

// checkHealthPort: member 0's health endpoint refuses plain HTTP, TLS
// without a certificate and a certificate of another CA, and answers its
// id to a certificate of the CA.
func checkHealthPort(t *testing.T, r ring, p, other pki) {
	url := "https://" + r.addr(0, r.provider) + "/_health"
	get := func(tr *http.Transport, u string) error {
		c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		res, err := c.Get(u)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
	withCert := func(pk pki, node string) *http.Transport {
		f, err := pk.ca.WriteNode(pk.dir, node, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		c, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{c}}}
	}
	if err := get(&http.Transport{}, "http://"+r.addr(0, r.provider)+"/_health"); err == nil {
		t.Error("plain HTTP answered")
	}
	if err := get(&http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, url); err == nil {
		t.Error("TLS without a client certificate answered")
	}
	if err := get(withCert(other, "h-other"), url); err == nil {
		t.Error("a certificate of another CA answered")
	}
	if err := get(withCert(p, "h-ok"), url); err != nil {
		t.Errorf("a certificate of the CA was refused: %v", err)
	}
}

// TestProcessTLSStrangerCannotJoin: a member started in a listed slot
// with a certificate of another CA never enters the others' topology
// (so their watchdogs, hearing no gossip from it, have nothing to end
// them for), and sees no one but itself; the same slot with a
// certificate of the CA joins.
func TestProcessTLSStrangerCannotJoin(t *testing.T) {
	buildMember(t)
	p, other := newPKI(t, "linkup-test-ca"), newPKI(t, "another-ca")
	r := tlsRing(t, p, 3)
	good := r.args[2]
	r.args[2] = other.node(t, "n2")
	a, b := r.start(t, 0, true), r.start(t, 1, true)
	rogue := r.start(t, 2, false)
	waitFor(t, 20*time.Second, "n0 and n1 see each other, the stranger sees itself", func() bool {
		return len(a.status(t).Members) == 2 && len(b.status(t).Members) == 2 && len(rogue.status(t).Members) == 1
	})
	time.Sleep(2 * time.Second) // four health polls of the stranger's endpoint
	for _, m := range []*proc{a, b} {
		if s := m.status(t); len(s.Members) != 2 || contains(s.Members, rogue.id) {
			t.Fatalf("%s lets the stranger in: %v (stranger %s)", m.name, s.Members, rogue.id)
		}
	}
	if s := rogue.status(t); len(s.Members) != 1 || s.Members[0] != rogue.id {
		t.Fatalf("the stranger sees %v", s.Members)
	}
	rogue.kill()
	r.args[2] = good
	n2 := r.start(t, 2, true)
	waitFor(t, 20*time.Second, "the slot with a certificate of the CA joins", func() bool {
		return len(a.status(t).Members) == 3 && len(b.status(t).Members) == 3 && len(n2.status(t).Members) == 3
	})
}
