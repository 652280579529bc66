//go:build linux

package reliability_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// netns is n network namespaces, one per node, each with one veth into a
// bridge in the test's namespace (subnet 10.232.X.0/24, X random; the
// bridge is .1, node i is .10+i). The test's clients reach the nodes
// through the bridge, and the nodes reach PostgreSQL (which listens on
// 127.0.0.1 here) through a TCP relay the test runs on the bridge
// address. Everything is removed when the test ends.
type netns struct {
	subnet string
	names  []string // namespace per node
	hosts  []string // node addresses
	links  []string // each node's veth, on the bridge's side
}

// newNetns makes the namespaces, or skips the test with the reason where
// they cannot be made (not root, no `ip`, a kernel or sandbox without
// them).
func newNetns(t *testing.T, n int) *netns {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no `ip` command (iproute2)")
	}
	tag := fmt.Sprintf("lr%d", 1000+rand.IntN(9000))
	ns := &netns{subnet: fmt.Sprintf("10.232.%d", rand.IntN(250)+1)}
	br := tag + "br"
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", br).Run() })
	if out, err := exec.Command("ip", "link", "add", br, "type", "bridge").CombinedOutput(); err != nil {
		t.Skipf("cannot make a bridge: %v %s", err, out)
	}
	ipRun(t, "addr", "add", ns.subnet+".1/24", "dev", br)
	ipRun(t, "link", "set", br, "up")
	for i := range n {
		name, host := fmt.Sprintf("%s-%d", tag, i), fmt.Sprintf("%s-%dh", tag, i)
		t.Cleanup(func() {
			_ = exec.Command("ip", "link", "del", host).Run()
			_ = exec.Command("ip", "netns", "del", name).Run()
		})
		if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
			t.Skipf("cannot make a network namespace: %v %s", err, out)
		}
		addr := fmt.Sprintf("%s.%d", ns.subnet, 10+i)
		ipRun(t, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", name)
		ipRun(t, "link", "set", host, "master", br, "up")
		ipRun(t, "netns", "exec", name, "ip", "addr", "add", addr+"/24", "dev", "eth0")
		ipRun(t, "netns", "exec", name, "ip", "link", "set", "eth0", "up")
		ipRun(t, "netns", "exec", name, "ip", "link", "set", "lo", "up")
		ns.names, ns.hosts, ns.links = append(ns.names, name), append(ns.hosts, addr), append(ns.links, host)
	}
	return ns
}

// opts are the cluster options that put node i in namespace i and send
// its PostgreSQL traffic through a relay on the bridge.
func (ns *netns) opts(t *testing.T) clusterOpts {
	o := clusterOpts{nodes: len(ns.names), hosts: ns.hosts}
	for _, name := range ns.names {
		o.pfx = append(o.pfx, []string{"ip", "netns", "exec", name})
	}
	o.pgURL = func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		u.Host = relay(t, ns.subnet+".1:0", u.Host)
		return u.String()
	}
	return o
}

// isolate cuts node i off from the other nodes, both ways (blackhole
// routes in its namespace and in theirs), or heals that cut. The bridge
// address stays reachable: node i keeps its clients and PostgreSQL.
func (ns *netns) isolate(t *testing.T, i int, cut bool) {
	t.Helper()
	verb := "add"
	if !cut {
		verb = "del"
	}
	for j := range ns.names {
		if j == i {
			continue
		}
		ipRun(t, "netns", "exec", ns.names[i], "ip", "route", verb, "blackhole", ns.hosts[j]+"/32")
		ipRun(t, "netns", "exec", ns.names[j], "ip", "route", verb, "blackhole", ns.hosts[i]+"/32")
	}
}

// unplug takes node i's link down (it reaches nothing: not its peers, not
// PostgreSQL, not its clients, and nothing reaches it) or up again.
func (ns *netns) unplug(t *testing.T, i int, down bool) {
	t.Helper()
	state := "up"
	if down {
		state = "down"
	}
	ipRun(t, "link", "set", ns.links[i], state)
}

func ipRun(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v %s", strings.Join(args, " "), err, out)
	}
}

// relay forwards TCP connections from listen to target until the test
// ends, and returns the address it listens on. It sets no TCP keepalive
// of its own (Go's default would be 15 s), so that a node cut off keeps
// its PostgreSQL session open as long as a direct connection would
// (PostgreSQL's tcp_keepalives_idle defaults to the kernel's 2 hours).
func relay(t *testing.T, listen, target string) string {
	t.Helper()
	ln, err := (&net.ListenConfig{KeepAlive: -1}).Listen(context.Background(), "tcp", listen)
	if err != nil {
		t.Fatalf("relay: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := (&net.Dialer{KeepAlive: -1}).Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return ln.Addr().String()
}
