package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// TestClusterTLSDelivery: three `serve` nodes whose cluster ports use
// mutual TLS with certificates of a test CA (one PostgreSQL log): every
// member on every node gets every other member's message once, in seq
// order; exactly one node hosts the chat, so the sends of the two other
// nodes were routed to it over the TLS remote and acked from there.
// (cluster/process_tls_test.go shows the same ports refusing strangers.)
func TestClusterTLSDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and three linkup processes")
	}
	url := pgtest.Start(t).NewDatabase(t)
	certs := testClusterCerts(t, t.TempDir(), "n1", "n2", "n3")
	tc := startTestClusterWith(t, url, 3, func(i int) []string { return tlsArgs(certs[fmt.Sprintf("n%d", i+1)]) })
	for i, n := range tc.nodes {
		if logs := n.logs.String(); !strings.Contains(logs, "mutual_tls=true") && !strings.Contains(logs, `"mutual_tls":true`) {
			t.Fatalf("node %s does not log mutual_tls=true at start; logs:\n%s", tc.names[i], logs)
		}
	}
	_, _, m := testnode.Do(t, "GET", "http://"+tc.nodes[0].addr+"/metrics", "", "")
	if !strings.Contains(string(m), `linkup_cluster_tls_refused_total{port="remote"} 0`) || !strings.Contains(string(m), `linkup_cluster_tls_refused_total{port="health"} 0`) {
		t.Fatalf("no linkup_cluster_tls_refused_total at 0 for both ports in:\n%s", m)
	}
	clients := joinChat(t, tc, "tls1", []string{"alice", "bob", "carol"})
	const perClient = 5
	acks, _ := sendRoundRobin(t, clients, "tls1", perClient)
	total := len(clients) * perClient
	checkSeqsOnce(t, acks, total)
	for i, c := range clients {
		checkDelivered(t, tc.names[i], c, "tls1", acks[i], total)
	}
	if h := tc.hosts(t, "tls1"); len(h) != 1 {
		t.Fatalf("chat hosted on %v, want exactly one node", h)
	}
}
