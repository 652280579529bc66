package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/pgtest"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// TestClusterIdentityRouting runs three `linkup serve --store postgres
// --cluster-...` processes on one PostgreSQL log with a client on each
// node in one chat: every send, from every node, is acknowledged with its
// own seq, the seqs are 1..N each once (the chat identity, on one node,
// is the only appender), exactly one node hosts the chat identity
// (/v1/cluster), get_connection_status names each client's node, and
// bad cluster flags stop serve with a clear message before it starts.
func TestClusterIdentityRouting(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and three linkup processes")
	}
	checkBadClusterFlags(t)
	url := pgtest.Start(t).NewDatabase(t)
	tc := startTestCluster(t, url, 3)
	clients := joinChat(t, tc, "c1", []string{"alice", "bob", "carol"})
	for i, c := range clients {
		if f := c.ask(t, map[string]any{"type": "get_connection_status"}); f.Str("node") != tc.names[i] {
			t.Fatalf("client on %s: get_connection_status names node %q: %s", tc.names[i], f.Str("node"), f.Raw)
		}
	}
	const perClient = 20
	acks, took := sendRoundRobin(t, clients, "c1", perClient)
	checkSeqsOnce(t, acks, len(clients)*perClient)
	hosts := tc.hosts(t, "c1")
	if len(hosts) != 1 {
		t.Fatalf("chat c1 is hosted on %v, want exactly one node", hosts)
	}
	owner := slices.Index(tc.names, hosts[0])
	for i := range clients {
		t.Logf("sends from %s (owner %s): %s", tc.names[i], hosts[0], latencies(took[i]))
	}
	_, _, metrics := testnode.Do(t, "GET", "http://"+tc.nodes[owner].addr+"/metrics", "", "")
	if !strings.Contains(string(metrics), `linkup_cluster_activations_total{kind="chat"} 1`) {
		t.Fatalf("the owner's metrics do not count one chat activation:\n%s", grepLines(string(metrics), "linkup_cluster_"))
	}
	t.Logf("owner %s metrics:\n%s", hosts[0], grepLines(string(metrics), "linkup_cluster_"))
}

// checkBadClusterFlags: each bad combination exits 1 before serving, with
// a message that names the fix.
func checkBadClusterFlags(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--cluster-endpoints", "127.0.0.1:6330"}, "cluster mode needs --store postgres"},
		{[]string{"--store", "postgres", "--postgres-url", "postgres://u@127.0.0.1:1/db", "--cluster-provider", "etcd", "--cluster-endpoints", "127.0.0.1:6330"}, `only "automanaged" is supported`},
		{[]string{"--cluster-bind", "127.0.0.1:7000"}, "--cluster-bind needs --cluster-endpoints"},
	} {
		code, _, errs := runProc(t, nil, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, c.args...)...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Fatalf("serve %v: exit %d, stderr %q; want exit 1 and %q", c.args, code, errs, c.want)
		}
	}
}

// joinChat has the first user create chat with the others as members on
// node 0, then connects user i to node i once that node's directory has
// the chat.
func joinChat(t *testing.T, tc *testCluster, chat string, users []string) []*recorder {
	t.Helper()
	clients := []*recorder{{Client: dial(t, tc.url(0), tc.token(t, users[0]))}}
	if f := clients[0].ask(t, map[string]any{"type": "create_chat", "chat_id": chat, "title": "cluster", "members": users[1:]}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	for i, u := range users[1:] {
		tc.waitChat(t, i+1, u, chat)
		clients = append(clients, &recorder{Client: dial(t, tc.url(i+1), tc.token(t, u))})
	}
	return clients
}

// sendRoundRobin has every client send n messages, one client after
// another, each waiting for its ack; it returns each client's acked seqs
// and each send's time to its ack.
func sendRoundRobin(t *testing.T, clients []*recorder, chat string, n int) ([][]uint64, [][]time.Duration) {
	t.Helper()
	acks := make([][]uint64, len(clients))
	took := make([][]time.Duration, len(clients))
	for k := range n {
		for i, c := range clients {
			start := time.Now()
			f := c.ask(t, map[string]any{"type": "send_message", "chat_id": chat, "client_msg_id": fmt.Sprintf("%d-%d", i, k), "body": "m"})
			if f.Type != "ack" || f.Num("seq") < 1 {
				t.Fatalf("client %d send %d: %s", i, k, f.Raw)
			}
			took[i] = append(took[i], time.Since(start))
			acks[i] = append(acks[i], uint64(f.Num("seq")))
		}
	}
	return acks, took
}

// checkSeqsOnce: the acked seqs are 1..total, each once.
func checkSeqsOnce(t *testing.T, acks [][]uint64, total int) {
	t.Helper()
	var all []uint64
	for _, a := range acks {
		all = append(all, a...)
	}
	slices.Sort(all)
	for i, s := range all {
		if s != uint64(i+1) {
			t.Fatalf("acked seqs are not 1..%d each once: %v", total, all)
		}
	}
	if len(all) != total {
		t.Fatalf("%d acks, want %d", len(all), total)
	}
}

// latencies sums up durations: median and largest.
func latencies(d []time.Duration) string {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d sends, p50 %v, p90 %v, max %v", len(s), s[len(s)/2].Round(10*time.Microsecond), s[len(s)*9/10].Round(10*time.Microsecond), s[len(s)-1].Round(10*time.Microsecond))
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

var _ = client.Is
