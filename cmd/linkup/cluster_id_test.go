package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
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
		_, _, m := testnode.Do(t, "GET", "http://"+tc.nodes[i].addr+"/metrics", "", "")
		sum, count := metricValue(string(m), "linkup_cluster_request_seconds_sum"), metricValue(string(m), "linkup_cluster_request_seconds_count")
		t.Logf("sends from %s (owner %s): %s; routed to the owner and answered in %.2f ms on average (%v requests)",
			tc.names[i], hosts[0], latencies(took[i]), 1000*sum/max(count, 1), count)
	}
	_, _, metrics := testnode.Do(t, "GET", "http://"+tc.nodes[owner].addr+"/metrics", "", "")
	if !strings.Contains(string(metrics), `linkup_cluster_activations_total{kind="chat"} 1`) {
		t.Fatalf("the owner's metrics do not count one chat activation:\n%s", grepLines(string(metrics), "linkup_cluster_"))
	}
	t.Logf("owner %s metrics:\n%s", hosts[0], grepLines(string(metrics), "linkup_cluster_"))
	checkUnknownChatLeaves(t, tc, clients[0])
	other := (owner + 1) % 3
	checkOwnerFrozen(t, tc, clients, owner, other, acks[other][0])
	if code := tc.nodes[(owner+2)%3].stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d, want 0; logs:\n%s", code, tc.nodes[(owner+2)%3].logs)
	}
	checkLogOnce(t, url, "c1")
}

// checkLogOnce: chat's timeline items in the log have seqs 1..n, each
// once, and no client_msg_id is stored twice (whatever failed over).
func checkLogOnce(t *testing.T, url, chat string) {
	t.Helper()
	var seqs []uint64
	ids := map[string]int{}
	var tail []string
	for _, ev := range pgEvents(t, url) {
		switch e := ev.(type) {
		case events.MessagePosted:
			if e.ChatID == chat {
				seqs, ids[e.ClientMsgID] = append(seqs, e.Seq), ids[e.ClientMsgID]+1
				tail = append(tail, fmt.Sprintf("%d:posted %s", e.Seq, e.ClientMsgID))
			}
		case events.MessageEdited:
			if e.ChatID == chat {
				seqs = append(seqs, e.Seq)
				tail = append(tail, fmt.Sprintf("%d:edited %d", e.Seq, e.TargetSeq))
			}
		}
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("client_msg_id %q stored %d times", id, n)
		}
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Errorf("seq %d at position %d of the log", s, i)
		}
	}
	t.Logf("chat %s in the log ends with %v", chat, tail[max(0, len(tail)-4):])
}

// checkUnknownChatLeaves: a command to a chat that does not exist is
// refused (not_found) through its owner, whose grain then leaves memory.
func checkUnknownChatLeaves(t *testing.T, tc *testCluster, c *recorder) {
	t.Helper()
	if f := c.ask(t, map[string]any{"type": "send_message", "chat_id": "nochat", "client_msg_id": "x", "body": "m"}); f.Str("code") != "not_found" {
		t.Fatalf("send to an unknown chat: %s", f.Raw)
	}
	deadline := time.Now().Add(4 * wait)
	for len(tc.hosts(t, "nochat")) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the grain of an unknown chat is still hosted on %v", tc.hosts(t, "nochat"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkOwnerFrozen freezes the chat's owner past the failure detection
// (SIGSTOP 3 s). Meanwhile, from node other: an edit_message (tried once:
// a repeat would be a second edit) is answered unavailable on a
// connection that stays open; a send_message (idempotent, retried) is
// acknowledged by the chat's new owner (resent by the client if that
// owner's first append lost to the log, as a client resends on
// unavailable). Once the old owner runs again its
// watchdog ends the member, its client gets force_reconnect (shutdown),
// and the process exits 1 saying why.
func checkOwnerFrozen(t *testing.T, tc *testCluster, clients []*recorder, owner, other int, ownSeq uint64) {
	t.Helper()
	p := tc.nodes[owner]
	if err := p.stopAsync(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	frozen := time.Now()
	c := clients[other]
	if f := c.ask(t, map[string]any{"type": "edit_message", "chat_id": "c1", "seq": ownSeq, "body": "edited"}); f.Str("code") != "unavailable" {
		t.Fatalf("edit_message while the owner is frozen: %s", f.Raw)
	}
	if f := c.ask(t, map[string]any{"type": "ping"}); f.Type != "pong" {
		t.Fatalf("the connection did not stay open after unavailable: %s", f.Raw)
	}
	start := time.Now()
	var f client.Frame
	for try := 0; try < 3 && f.Type != "ack"; try++ { // a client resends on unavailable, with the same client_msg_id
		f = c.ask(t, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": "during-freeze", "body": "m"})
	}
	if f.Type != "ack" {
		t.Fatalf("send_message while the owner is frozen: %s", f.Raw)
	}
	t.Logf("owner %s frozen: edit answered unavailable, send acknowledged (seq %v) %v after it was sent, by %v", tc.names[owner], f.Num("seq"),
		time.Since(start).Round(time.Millisecond), tc.hosts(t, "c1", owner))
	time.Sleep(3*time.Second - time.Since(frozen)) // past the 2 s the peers' health checks allow
	if err := p.stopAsync(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if f, err := clients[owner].Expect(wait, client.Is("force_reconnect")); err != nil || f.Str("reason") != "shutdown" {
		t.Fatalf("client of the frozen node: %v %s", err, f.Raw)
	}
	select {
	case <-p.done:
	case <-time.After(wait):
		t.Fatalf("the frozen node did not exit; logs:\n%s", p.logs)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(p.logs.String(), "left the cluster") {
		t.Fatalf("frozen node: exit %d, want 1 with 'left the cluster'; logs:\n%s", code, p.logs)
	}
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
		// No sync on connect: a connection opened while its node loads the
		// chat still gets every item stored after it was accepted
		// (actors.TestConnectWhileLoadingGetsEverything).
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

// TestClusterIdentityDelivery: three nodes, one chat, a member connected
// to each node, every member sending: every member's connection gets
// every other member's message once, in seq order, and none of its own
// (its ack carried the seq). The chat identity appends on its owner; the
// members on the other nodes are reached through their node's follower of
// the shared log (the s19-cluster-log branch: "each node delivers to its
// own connections from the log", docs/CLUSTER.md); without it (no
// linkup_log_follower_* metrics) the test is skipped with that reason.
func TestClusterIdentityDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and three linkup processes")
	}
	url := pgtest.Start(t).NewDatabase(t)
	tc := startTestCluster(t, url, 3)
	if _, _, m := testnode.Do(t, "GET", "http://"+tc.nodes[0].addr+"/metrics", "", ""); !strings.Contains(string(m), "linkup_log_follower_") {
		t.Skip("this build has no log follower (linkup_log_follower_* metrics): a node's connections hear only the appends of their own node; merge s19-cluster-log")
	}
	clients := joinChat(t, tc, "d1", []string{"alice", "bob", "carol"})
	const perClient = 10
	acks, _ := sendRoundRobin(t, clients, "d1", perClient)
	total := len(clients) * perClient
	checkSeqsOnce(t, acks, total)
	for i, c := range clients {
		checkDelivered(t, tc.names[i], c, "d1", acks[i], total)
	}
}

// checkDelivered reads c's frames until it holds a message frame for every
// seq up to total that is not one of its own (own), then checks they came
// once each, in seq order, and none of its own came as a message.
func checkDelivered(t *testing.T, node string, c *recorder, chat string, own []uint64, total int) {
	t.Helper()
	var want []uint64
	for s := uint64(1); s <= uint64(total); s++ {
		if !slices.Contains(own, s) {
			want = append(want, s)
		}
	}
	deadline := time.Now().Add(wait)
	for !holdsAll(messageSeqs(c.frames, chat), want) && time.Now().Before(deadline) {
		f, err := c.Next(time.Until(deadline))
		if err != nil {
			break
		}
		c.frames = append(c.frames, f)
	}
	got := messageSeqs(c.frames, chat)
	if !slices.Equal(got, want) {
		t.Fatalf("client on %s got message seqs %v, want %v (its own acks: %v)", node, got, want, own)
	}
}

// messageSeqs lists the seqs of chat's message frames in arrival order.
func messageSeqs(frames []client.Frame, chat string) []uint64 {
	var out []uint64
	for _, f := range frames {
		if f.Type == "message" && f.Str("chat_id") == chat {
			out = append(out, uint64(f.Num("seq")))
		}
	}
	return out
}

func holdsAll(got, want []uint64) bool {
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}

// metricValue is the value of the first sample line named name (0 when
// absent).
func metricValue(metrics, name string) float64 {
	for _, l := range strings.Split(metrics, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}
