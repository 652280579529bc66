package main

import (
	"bufio"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestClusterChatAcrossNodes runs three `linkup serve --store postgres`
// processes on one database (no cluster placement: every node has its own
// activation of the chat, the worst case for the log's guarantees), with
// the members of one chat connected to different nodes and every client
// sending at once. Every member connection must get every message exactly
// once (a frame, or for its own messages the ack), frames in seq order,
// seq gap-free; every ack's seq must be in the log with that message, each
// message stored once; a client_msg_id resent to a different node gets the
// original ack; and the nodes' appends must have met on the log
// (linkup_chat_append_conflicts_total moved), which is where a fork of seq
// would happen if the log did not decide.
func TestClusterChatAcrossNodes(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	t.Setenv("LINKUP_JWT_SECRET", "cluster-log-test-secret-not-for-production")
	nodes := make([]*proc, 3)
	for i := range nodes {
		nodes[i] = startServe(t, t.TempDir(), "--store", "postgres", "--postgres-url", url, "--node", fmt.Sprintf("n%d", i+1))
	}
	tokDir := t.TempDir()
	const users, perUser = 6, 25
	const total = users * perUser
	members := make([]string, users)
	conns := make([]*clusterClient, users)
	for k := range users {
		members[k] = fmt.Sprintf("u%d", k+1)
		conns[k] = newClusterClient(t, nodes[k%3].url(), tokenFor(t, tokDir, members[k]), members[k], k%3)
	}
	if f := request(t, conns[0].c, map[string]any{"type": "create_chat", "chat_id": "c1", "title": "three nodes", "members": members[1:]}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	for _, cc := range conns[1:] {
		if f, err := cc.c.Expect(wait, client.Is("chat_created")); err != nil || f.Str("chat_id") != "c1" {
			t.Fatalf("%s on node %d: no chat_created for c1: %v", cc.user, cc.node+1, err)
		}
	}
	for _, cc := range conns {
		go cc.read(total)
	}
	var wg sync.WaitGroup
	for _, cc := range conns {
		wg.Go(func() { cc.sendAll(perUser) })
	}
	wg.Wait()
	for _, cc := range conns {
		select {
		case <-cc.done:
		case <-time.After(30 * time.Second):
			cc.mu.Lock()
			t.Fatalf("%s on node %d saw %d frames and %d acks of %d messages", cc.user, cc.node+1, len(cc.frames), len(cc.acks), total)
		}
	}
	acked := map[string]uint64{}
	for _, cc := range conns {
		cc.check(t, total)
		for id, seq := range cc.acks {
			acked[id] = seq
		}
	}
	checkClusterLog(t, url, acked, total)

	// The same client_msg_id sent again by u1 from another node: the
	// original ack, nothing stored.
	again := dial(t, nodes[1].url(), tokenFor(t, tokDir, "u1"))
	f := request(t, again, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": "u1-1", "body": "again"})
	if f.Type != "ack" || uint64(f.Num("seq")) != acked["u1-1"] {
		t.Fatalf("u1-1 resent to node 2: %s; first ack had seq %d", f.Raw, acked["u1-1"])
	}
	checkClusterLog(t, url, acked, total)

	// Membership and receipts stored through one node reach the others:
	// u1 (node 1) adds u7, online on node 3, who is welcomed there and
	// posts; every connection sees the change, u1 the post; u2's read
	// receipt (node 2) reaches u1.
	u7 := newClusterClient(t, nodes[2].url(), tokenFor(t, tokDir, "u7"), "u7", 2)
	go u7.read(0)
	if f := request(t, again, map[string]any{"type": "add_members", "chat_id": "c1", "members": []string{"u7"}}); f.Type != "ack" {
		t.Fatalf("add_members: %s", f.Raw)
	}
	u7.waitFrame(t, "chat_created", func(f client.Frame) bool { return f.Type == "chat_created" && f.Str("chat_id") == "c1" })
	for _, cc := range conns {
		cc.waitFrame(t, "members_changed", func(f client.Frame) bool {
			return f.Type == "members_changed" && uint64(f.Num("seq")) == total+1
		})
	}
	u7.send("u7-1", 0)
	conns[0].waitFrame(t, "u7's message", func(f client.Frame) bool {
		return f.Type == "message" && f.Str("sender") == "u7" && uint64(f.Num("seq")) == total+2
	})
	if f := request(t, dial(t, nodes[1].url(), tokenFor(t, tokDir, "u2")), map[string]any{"type": "read_receipt", "chat_id": "c1", "seq": total + 2}); f.Type != "ack" {
		t.Fatalf("read_receipt: %s", f.Raw)
	}
	conns[0].waitFrame(t, "u2's read", func(f client.Frame) bool {
		return f.Type == "read" && f.Str("user") == "u2" && uint64(f.Num("last_read_seq")) == total+2
	})

	crossNodeLatency(t, u7, conns[0])

	// Presence across nodes: u7 is connected to node 3 only; node 2 knows
	// from the log that u7 is online.
	var ps struct {
		Users []struct{ User, Status string }
	}
	if f := request(t, again, map[string]any{"type": "get_presence", "users": []string{"u7"}}); f.Decode(&ps) != nil || len(ps.Users) != 1 || ps.Users[0].Status != "online" {
		t.Fatalf("get_presence u7 on node 2: %s", f.Raw)
	}

	var conflicts, refusals, applied float64
	for _, p := range nodes {
		conflicts += scrapeMetric(t, p, "linkup_chat_append_conflicts_total")
		refusals += scrapeMetric(t, p, "linkup_chat_conflict_refusals_total")
		applied += scrapeMetric(t, p, "linkup_chat_log_applied_total")
	}
	t.Logf("%d messages from %d clients on 3 nodes; append conflicts %v, commands refused after two %v, events applied from the log %v",
		total, users, conflicts, refusals, applied)
	if conflicts == 0 {
		t.Fatal("no append conflict: the nodes' appends never met, the test proved nothing about forks")
	}
}

// clusterClient is one member's connection in TestClusterChatAcrossNodes:
// a reader goroutine records the chat's message frames and the acks of
// the client's own sends, and hands refusals back to the sender.
type clusterClient struct {
	t     *testing.T
	c     *client.Client
	user  string
	node  int
	retry chan string // client_msg_ids answered `unavailable`
	done  chan struct{}

	mu      sync.Mutex
	refs    map[string]string // ref -> client_msg_id
	acks    map[string]uint64 // client_msg_id -> seq
	frames  []uint64          // seq of message frames, as received
	all     []client.Frame    // every frame, as received
	at      []time.Time       // when each of all arrived
	ackedCh chan struct{}     // closed when every own send is acked
	changed chan struct{}     // signalled when a frame arrives
}

func newClusterClient(t *testing.T, url, tok, user string, node int) *clusterClient {
	return &clusterClient{t: t, c: dial(t, url, tok), user: user, node: node, retry: make(chan string, 1024),
		done: make(chan struct{}), refs: map[string]string{}, acks: map[string]uint64{}, ackedCh: make(chan struct{}),
		changed: make(chan struct{}, 1)}
}

// sendAll sends n messages without waiting, then resends those refused
// `unavailable` (same client_msg_id, new ref) until every one is acked.
func (cc *clusterClient) sendAll(n int) {
	for i := 1; i <= n; i++ {
		cc.send(fmt.Sprintf("%s-%d", cc.user, i), 0)
	}
	resends := 0
	for {
		select {
		case id := <-cc.retry:
			if resends++; resends > 50*n {
				cc.t.Errorf("%s: more than %d resends", cc.user, 50*n)
				return
			}
			cc.send(id, resends)
		case <-cc.ackedCh:
			return
		case <-time.After(30 * time.Second):
			cc.t.Errorf("%s: sends not all acked", cc.user)
			return
		}
	}
}

func (cc *clusterClient) send(id string, try int) {
	ref := fmt.Sprintf("%s/%d", id, try)
	cc.mu.Lock()
	cc.refs[ref] = id
	cc.mu.Unlock()
	if err := cc.c.Send(map[string]any{"type": "send_message", "ref": ref, "chat_id": "c1", "client_msg_id": id, "body": "hello from " + cc.user}); err != nil {
		cc.t.Errorf("%s: send: %v", cc.user, err)
	}
}

// read records frames until the connection has every one of total
// messages (frames and own acks), then keeps reading until it is closed.
func (cc *clusterClient) read(total int) {
	own := total / 6
	finished := false
	for {
		f, err := cc.c.Next(time.Minute)
		if err != nil {
			return
		}
		cc.mu.Lock()
		cc.all, cc.at = append(cc.all, f), append(cc.at, time.Now())
		select {
		case cc.changed <- struct{}{}:
		default:
		}
		switch {
		case f.Type == "message" && f.Str("chat_id") == "c1":
			cc.frames = append(cc.frames, uint64(f.Num("seq")))
		case f.Type == "ack" && cc.refs[f.Ref()] != "":
			id := cc.refs[f.Ref()]
			if prev, ok := cc.acks[id]; ok && prev != uint64(f.Num("seq")) {
				cc.t.Errorf("%s: %s acked with seq %v, earlier %d", cc.user, id, f.Num("seq"), prev)
			}
			cc.acks[id] = uint64(f.Num("seq"))
			if len(cc.acks) == own && own > 0 {
				close(cc.ackedCh)
			}
		case f.Type == "error" && f.Str("code") == "unavailable" && cc.refs[f.Ref()] != "":
			cc.retry <- cc.refs[f.Ref()]
		case f.Type == "error":
			cc.t.Errorf("%s: %s", cc.user, f.Raw)
		}
		if !finished && total > 0 && len(cc.frames)+len(cc.acks) >= total {
			finished = true
			close(cc.done)
		}
		cc.mu.Unlock()
	}
}

// waitFrame waits until the connection has received a frame matching.
func (cc *clusterClient) waitFrame(t *testing.T, what string, match func(client.Frame) bool) {
	t.Helper()
	deadline := time.After(wait)
	for {
		cc.mu.Lock()
		found := slices.ContainsFunc(cc.all, match)
		cc.mu.Unlock()
		if found {
			return
		}
		select {
		case <-cc.changed:
		case <-deadline:
			t.Fatalf("%s on node %d: no %s", cc.user, cc.node+1, what)
		}
	}
}

// arrival returns when the first frame matching arrived.
func (cc *clusterClient) arrival(match func(client.Frame) bool) time.Time {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.at[slices.IndexFunc(cc.all, match)]
}

// crossNodeLatency logs how long 20 messages sent one at a time by from
// (node 3) take to be acked there and to reach to (node 1) through the
// log: a figure, not a bound.
func crossNodeLatency(t *testing.T, from, to *clusterClient) {
	t.Helper()
	var acks, deliveries []time.Duration
	for i := range 20 {
		id := fmt.Sprintf("u7-lat-%d", i)
		start := time.Now()
		from.send(id, 0)
		isFrame := func(f client.Frame) bool { return f.Type == "message" && f.Str("client_msg_id") == id }
		isAck := func(f client.Frame) bool { return f.Type == "ack" && f.Str("client_msg_id") == id }
		to.waitFrame(t, id, isFrame)
		from.waitFrame(t, "ack of "+id, isAck)
		acks = append(acks, from.arrival(isAck).Sub(start))
		deliveries = append(deliveries, to.arrival(isFrame).Sub(start))
	}
	slices.Sort(acks)
	slices.Sort(deliveries)
	t.Logf("one message at a time, node 3 to node 1 (ms): ack p50 %.1f max %.1f; delivery on the other node p50 %.1f max %.1f",
		ms(acks[len(acks)/2]), ms(acks[len(acks)-1]), ms(deliveries[len(deliveries)/2]), ms(deliveries[len(deliveries)-1]))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// check: the frames rise, and with the own acks they are seq 1..total,
// each once.
func (cc *clusterClient) check(t *testing.T, total int) {
	t.Helper()
	cc.mu.Lock()
	defer cc.mu.Unlock()
	seen := map[uint64]string{}
	for i, seq := range cc.frames {
		if i > 0 && seq <= cc.frames[i-1] {
			t.Fatalf("%s on node %d: frame seq %d after %d", cc.user, cc.node+1, seq, cc.frames[i-1])
		}
		seen[seq] = "frame"
	}
	for id, seq := range cc.acks {
		if what, dup := seen[seq]; dup {
			t.Fatalf("%s on node %d: seq %d both as its ack of %s and as a %s", cc.user, cc.node+1, seq, id, what)
		}
		seen[seq] = "ack"
	}
	for seq := uint64(1); seq <= uint64(total); seq++ {
		if seen[seq] == "" {
			t.Fatalf("%s on node %d: seq %d never arrived (%d frames, %d acks)", cc.user, cc.node+1, seq, len(cc.frames), len(cc.acks))
		}
	}
	if len(seen) != total {
		t.Fatalf("%s on node %d: %d seqs for %d messages", cc.user, cc.node+1, len(seen), total)
	}
}

// checkClusterLog: the chat's messages in the log have seq 1..total with
// no gap or repeat, each client_msg_id once, and each acked seq holds
// the message acked.
func checkClusterLog(t *testing.T, url string, acked map[string]uint64, total int) {
	t.Helper()
	bySeq, byID := map[uint64]string{}, map[string]int{}
	var seqs []uint64
	for _, ev := range pgEvents(t, url) {
		if m, ok := ev.(events.MessagePosted); ok && m.ChatID == "c1" {
			if prev, dup := bySeq[m.Seq]; dup {
				t.Fatalf("seq %d forked: %q and %q", m.Seq, prev, m.ClientMsgID)
			}
			bySeq[m.Seq] = m.ClientMsgID
			byID[m.Sender+"/"+m.ClientMsgID]++
			seqs = append(seqs, m.Seq)
		}
	}
	if len(seqs) != total || !slices.IsSorted(seqs) || seqs[0] != 1 || seqs[len(seqs)-1] != uint64(total) {
		t.Fatalf("the log holds %d messages of c1 (want %d, seq 1..%d in order)", len(seqs), total, total)
	}
	for id, seq := range acked {
		user, _, _ := strings.Cut(id, "-")
		if bySeq[seq] != id || byID[user+"/"+id] != 1 {
			t.Fatalf("ack of %s has seq %d, which holds %q; stored %d times", id, seq, bySeq[seq], byID[user+"/"+id])
		}
	}
}

// scrapeMetric reads one unlabelled counter from a node's /metrics.
func scrapeMetric(t *testing.T, p *proc, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}
