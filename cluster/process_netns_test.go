//go:build linux

package cluster_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// newNetnsRing puts n members in network namespaces of their own, each
// with one veth into a bridge in this namespace (subnet 10.231.X.0/24,
// X random; the bridge is .1, member i is .10+i), so that a test can cut
// one member off by taking its veth down. Everything is removed at the
// end of the test. It skips, with the reason, where namespaces cannot be
// made (not root, no `ip`, a kernel without them).
func newNetnsRing(t *testing.T, n int) ring {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no `ip` command (iproute2)")
	}
	tag := fmt.Sprintf("lk%d", 1000+rand.IntN(9000))
	subnet := fmt.Sprintf("10.231.%d", rand.IntN(250)+1)
	br := tag + "br"
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", br).Run() })
	if out, err := exec.Command("ip", "link", "add", br, "type", "bridge").CombinedOutput(); err != nil {
		t.Skipf("cannot make a bridge: %v %s", err, out)
	}
	ipRun(t, "addr", "add", subnet+".1/24", "dev", br)
	ipRun(t, "link", "set", br, "up")
	r := ring{}
	for i := range n {
		ns, host := fmt.Sprintf("%s-%d", tag, i), fmt.Sprintf("%s-%dh", tag, i)
		t.Cleanup(func() {
			_ = exec.Command("ip", "link", "del", host).Run() // both ends, now
			_ = exec.Command("ip", "netns", "del", ns).Run()
		})
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Skipf("cannot make a network namespace: %v %s", err, out)
		}
		addr := fmt.Sprintf("%s.%d", subnet, 10+i)
		ipRun(t, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns)
		ipRun(t, "link", "set", host, "master", br, "up")
		ipRun(t, "netns", "exec", ns, "ip", "addr", "add", addr+"/24", "dev", "eth0")
		ipRun(t, "netns", "exec", ns, "ip", "link", "set", "eth0", "up")
		ipRun(t, "netns", "exec", ns, "ip", "link", "set", "lo", "up")
		r.hosts = append(r.hosts, addr)
		r.prefix = append(r.prefix, []string{"ip", "netns", "exec", ns})
		r.args = append(r.args, []string{"-insecure"}) // not loopback: the partition tests are about membership, not TLS
		r.links = append(r.links, host)
		r.provider, r.remote, r.control = append(r.provider, 6330), append(r.remote, 7000), append(r.control, 8080)
	}
	r.endpoints = endpoints(r.hosts, r.provider)
	return r
}

// cut takes member i's link down (partition) or up (heal).
func (r ring) cut(t *testing.T, i int, down bool) {
	state := "up"
	if down {
		state = "down"
	}
	ipRun(t, "link", "set", r.links[i], state)
}

func ipRun(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v %s", strings.Join(args, " "), err, out)
	}
}
