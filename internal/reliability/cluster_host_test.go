//go:build linux

package reliability_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// chatOwner is the member address that owns identity id among addrs,
// computed as protoactor-go's disthash lookup does (cluster/rendezvous.go
// at the pinned version): FNV-1a 32 of the identity's bytes followed by
// the member's "host:port", highest score wins. Placement depends on the
// members' remote addresses only, not on their ids.
func chatOwner(id string, addrs []string) string {
	var best string
	var bestScore uint32
	for _, a := range addrs {
		h := fnv.New32a()
		h.Write([]byte(id))
		h.Write([]byte(a))
		if s := h.Sum32(); s > bestScore {
			best, bestScore = a, s
		}
	}
	return best
}

// remoteAddr is node n's advertised remote address, as the members know it.
func (c *testCluster) remoteAddr(n *node) string {
	return fmt.Sprintf("%s:%d", n.host, n.remotePort)
}

// ownerAmong is the index of the node that owns the busy chat when
// exactly the nodes idx are members.
func (c *testCluster) ownerAmong(idx ...int) int {
	var addrs []string
	for _, i := range idx {
		addrs = append(addrs, c.remoteAddr(c.nodes[i]))
	}
	owner := chatOwner(clusterChat, addrs)
	for _, i := range idx {
		if c.remoteAddr(c.nodes[i]) == owner {
			return i
		}
	}
	return -1
}

// hostAgreement is one look at every running node's GET /v1/cluster: the
// owner of the busy chat each node's alive members give, and the nodes
// that list the chat among their active identities.
type hostAgreement struct {
	owners  map[string]string // node -> owner address by its view
	hosting []string          // nodes listing the busy chat in chat_ids
	addr    map[string]string // node -> its own remote address
}

func (c *testCluster) lookHosts() (hostAgreement, error) {
	a := hostAgreement{owners: map[string]string{}, addr: map[string]string{}}
	for _, n := range c.nodes {
		if !n.running() {
			continue
		}
		v, err := c.view(n)
		if err != nil {
			return a, fmt.Errorf("%s: %w", n.name, err)
		}
		var alive []string
		for _, m := range v.Members {
			if m.Alive {
				alive = append(alive, m.Address)
			}
		}
		a.owners[n.name] = chatOwner(clusterChat, alive)
		a.addr[n.name] = v.Address
		if slices.Contains(v.ChatIDs, clusterChat) {
			a.hosting = append(a.hosting, n.name)
		}
	}
	return a, nil
}

// agreed returns the node every view names as the busy chat's host, if
// every running node computes the same owner from its member list and
// that node, and no other, lists the chat as active.
func (a hostAgreement) agreed() (string, bool) {
	var owner string
	for _, o := range a.owners {
		if owner != "" && o != owner {
			return "", false
		}
		owner = o
	}
	if owner == "" || len(a.hosting) != 1 || a.addr[a.hosting[0]] != owner {
		return "", false
	}
	return a.hosting[0], true
}

func (a hostAgreement) String() string {
	var parts []string
	for name, o := range a.owners {
		parts = append(parts, fmt.Sprintf("%s's members give owner %s", name, o))
	}
	slices.Sort(parts)
	return fmt.Sprintf("%s; chat active on %v", strings.Join(parts, ", "), a.hosting)
}

// waitHostAgreed waits (within) until every running node's /v1/cluster
// agrees on the busy chat's host (hostAgreement.agreed) and returns that
// node's index. The chat must be in use (a load running): an identity is
// active only once a request reached it. When they do not agree it
// reports the views as a test error and returns -1, so that the test
// goes on to check the log and the devices.
func (c *testCluster) waitHostAgreed(within time.Duration) int {
	c.t.Helper()
	if !c.clusterd {
		return 0
	}
	start := time.Now()
	var last hostAgreement
	var lastErr error
	var host string
	if !poll.Within(within, func() bool {
		last, lastErr = c.lookHosts()
		var ok bool
		host, ok = last.agreed()
		return lastErr == nil && ok
	}) {
		c.t.Errorf("the nodes did not agree on the busy chat's host within %v: %v (error %v)", within, last, lastErr)
		return -1
	}
	c.t.Logf("every running node agrees the busy chat is hosted on %s (%.2f s)", host, time.Since(start).Seconds())
	for _, n := range c.nodes {
		if n.name == host {
			return n.i
		}
	}
	return -1
}

// nodeName names node i, or "none" (-1: no agreement).
func (c *testCluster) nodeName(i int) string {
	if i < 0 || i >= len(c.nodes) {
		return "none"
	}
	return c.nodes[i].name
}

var counterRE = regexp.MustCompile(`(?m)^(linkup_chat_append_conflicts_total|linkup_chat_conflict_refusals_total|linkup_cluster_activations_total\{kind="chat"\}) (\S+)$`)

// conflicts is each running node's count of chat appends the log refused
// (another node appended first), of commands refused after losing twice,
// and of chat activations, from its /metrics: two activations of one
// chat serving requests show as conflicts on both nodes.
func (c *testCluster) conflicts() string {
	var out []string
	for _, n := range c.nodes {
		if !n.running() {
			continue
		}
		res, err := httpc.Get(n.httpURL() + "/metrics")
		if err != nil {
			out = append(out, n.name+": "+err.Error())
			continue
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var kv []string
		for _, m := range counterRE.FindAllStringSubmatch(string(b), -1) {
			kv = append(kv, strings.TrimPrefix(strings.TrimSuffix(m[1], `{kind="chat"}`), "linkup_")+"="+m[2])
		}
		out = append(out, n.name+": "+strings.Join(kv, " "))
	}
	return strings.Join(out, "; ")
}

// startDevices runs more devices in a running load (a node joined), until
// the load's end; their own limit is within.
func (l *load) startDevices(devs []*device, within time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	prev := l.cancel
	l.cancel = func() { prev(); cancel() }
	for _, d := range devs {
		d.acks = &l.acks
		d.onNode.Store(-1)
		l.devs = append(l.devs, d)
		l.wg.Go(func() { d.run(ctx, l) })
	}
}
