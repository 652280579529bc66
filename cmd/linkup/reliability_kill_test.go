package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// The kill test lives in cmd/linkup rather than internal/reliability because
// startServe re-execs this test binary as `linkup serve` (LINKUP_TEST_MAIN):
// no separate `go build`, and the server under test is the code under test.

const killChat = "k"

// killFlags lift the per-connection rate limits so that the senders are
// limited by durability, not by the limiter.
var killFlags = []string{"--rate-messages", "100000", "--rate-frames", "100000"}

// TestKill9UnderLoad kills `linkup serve` with SIGKILL at random moments
// while three clients send, and after every kill checks the log: every
// acknowledged message is present exactly once with the seq it was
// acknowledged with, and seq has no gap. After each restart the clients
// reconnect with sync_request from the last seq they hold and must receive
// every message they missed, none twice. At the end the projections catch up
// and a rebuild gives the same read states.
func TestKill9UnderLoad(t *testing.T) {
	kills := 20
	if os.Getenv("LINKUP_SOAK") == "1" {
		kills = 200
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	dir := t.TempDir()
	p := startServe(t, dir, killFlags...)
	clients := newKillClients(t, dir, 3)
	mustCreateKillChat(t, p, clients)
	inFlight := 0
	for round := range kills {
		inFlight += runUntilStop(t, p, clients, time.Duration(20+rng.IntN(280))*time.Millisecond, syscall.SIGKILL)
		checkLog(t, dir, clients, round)
		p = startServe(t, dir, killFlags...)
	}
	latest := finalSync(t, p, clients)
	t.Logf("%d kills, %d sends in flight at a kill, %d messages acknowledged", kills, inFlight, latest)
	checkProjectionsRebuild(t, dir, p)
}

// TestGracefulRestartDuringTraffic stops the server with SIGTERM while the
// clients send, several times: exit 0, and the same checks as the kill test
// (nothing acknowledged lost, no gap, resync none twice).
func TestGracefulRestartDuringTraffic(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir, killFlags...)
	clients := newKillClients(t, dir, 3)
	mustCreateKillChat(t, p, clients)
	for round := range 3 {
		runUntilStop(t, p, clients, 200*time.Millisecond, syscall.SIGTERM)
		checkLog(t, dir, clients, round)
		p = startServe(t, dir, killFlags...)
	}
	finalSync(t, p, clients)
	if n := countTypes(t, dir)[events.TypeForceReconnectIssued]; n < 9 {
		t.Fatalf("%d ForceReconnectIssued after 3 graceful stops with 3 clients, want >= 9", n)
	}
}

func newKillClients(t *testing.T, dir string, n int) []*killClient {
	out := make([]*killClient, n)
	for i := range out {
		user := fmt.Sprintf("u%d", i)
		out[i] = &killClient{user: user, tok: tokenFor(t, dir, user), acked: map[string]uint64{}}
	}
	return out
}

func mustCreateKillChat(t *testing.T, p *proc, cs []*killClient) {
	c := dial(t, p.url(), cs[0].tok)
	members := []string{cs[1].user, cs[2].user}
	if f := request(t, c, map[string]any{"type": "create_chat", "chat_id": killChat, "members": members}); f.Type != "ack" {
		t.Fatalf("create_chat: %s", f.Raw)
	}
	_ = c.Close()
}

// runUntilStop lets every client run a session for d, stops the server
// with sig and waits for the sessions to notice. It returns how many sends
// were in flight at the kill.
func runUntilStop(t *testing.T, p *proc, cs []*killClient, d time.Duration, sig syscall.Signal) int {
	t.Helper()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); c.session(p.url(), 0) }()
	}
	time.Sleep(d) // the traffic's length is the test's (random) kill point, not a poll
	if code := p.stop(t, sig); sig == syscall.SIGTERM && code != 0 {
		t.Fatalf("exit code %d after SIGTERM; logs:\n%s", code, p.logs)
	}
	wg.Wait()
	n := 0
	for _, c := range cs {
		if c.violation != "" {
			t.Fatalf("%s: %s", c.user, c.violation)
		}
		if c.inflight != "" {
			n++
		}
	}
	return n
}

// killClient is one user's device: it keeps the contiguous prefix of the
// chat it has seen, the seq of each acknowledged message, and the send that
// was in flight when the server died.
type killClient struct {
	user, tok string
	acked     map[string]uint64 // client_msg_id -> acknowledged seq
	sent      int               // client_msg_ids used so far
	inflight  string            // sent, no answer yet: resent after reconnect
	pos       uint64            // every seq 1..pos was seen
	seen      map[uint64]bool   // seqs seen this session (pos and below implied)
	violation string            // first broken promise
}

// session connects, syncs from pos, moves its read pointer there, then
// sends until the connection dies (max 0), or max times (max > 0), or not
// at all (max < 0).
//
// It reports whether the session synced and did what max asked.
func (k *killClient) session(url string, max int) bool {
	c, err := client.Dial(context.Background(), url, client.Options{Token: k.tok})
	if err != nil {
		return false // killed before we connected
	}
	defer c.Close()
	k.seen = map[uint64]bool{}
	if !k.sync(c) || !k.markRead(c) {
		return false
	}
	for n := 0; max == 0 || n < max; n++ {
		if !k.sendOne(c) {
			return false
		}
	}
	return true
}

// retrySession runs session until one completes, at most 5 times, while
// no promise is broken.
func (k *killClient) retrySession(url string, max int) {
	for try := 0; try < 5 && k.violation == ""; try++ {
		if k.session(url, max) {
			return
		}
	}
}

func (k *killClient) sync(c *client.Client) bool {
	ref := "sync-" + k.user
	if c.Send(map[string]any{"type": "sync_request", "ref": ref, "positions": map[string]uint64{killChat: k.pos}}) != nil {
		return false
	}
	_, ok := k.await(c, ref)
	return ok
}

func (k *killClient) markRead(c *client.Client) bool {
	ref := "read-" + k.user
	if c.Send(map[string]any{"type": "read_receipt", "ref": ref, "chat_id": killChat, "seq": k.pos}) != nil {
		return false
	}
	_, ok := k.await(c, ref)
	return ok
}

// sendOne sends the in-flight message again, or a new one, and waits for
// its answer.
func (k *killClient) sendOne(c *client.Client) bool {
	if k.inflight == "" {
		k.sent++
		k.inflight = k.user + "-" + strconv.Itoa(k.sent)
	}
	msg := map[string]any{"type": "send_message", "ref": k.inflight, "chat_id": killChat, "client_msg_id": k.inflight, "body": "m"}
	if c.Send(msg) != nil {
		return false
	}
	f, ok := k.await(c, k.inflight)
	if !ok {
		return false
	}
	if f.Type == "ack" {
		k.onAck(f)
	}
	return true // an error reply (unavailable, rate_limited): keep it in flight
}

func (k *killClient) onAck(f client.Frame) {
	seq := uint64(f.Num("seq"))
	if prev, ok := k.acked[k.inflight]; ok && prev != seq {
		k.fail("%s acknowledged with seq %d and later %d", k.inflight, prev, seq)
	}
	k.acked[k.inflight] = seq
	k.inflight = ""
	k.see(seq, false)
}

// await reads frames until the reply to ref, handling messages on the way.
func (k *killClient) await(c *client.Client, ref string) (client.Frame, bool) {
	for {
		f, err := c.Next(5 * time.Second)
		if err != nil {
			return f, false
		}
		if f.Type == "message" && f.Str("chat_id") == killChat {
			k.see(uint64(f.Num("seq")), true)
		}
		if f.Ref() == ref {
			return f, true
		}
	}
}

// see records seq; a delivered message seen before this session's sync
// position or earlier in the session is a duplicate.
func (k *killClient) see(seq uint64, delivered bool) {
	if delivered && (seq <= k.pos || k.seen[seq]) {
		k.fail("message seq %d delivered twice (position %d)", seq, k.pos)
	}
	k.seen[seq] = true
	for k.seen[k.pos+1] {
		k.pos++
		delete(k.seen, k.pos)
	}
}

func (k *killClient) fail(format string, args ...any) {
	if k.violation == "" {
		k.violation = fmt.Sprintf(format, args...)
	}
}

// checkLog reads the chat's messages from the store, read-only: seq runs
// 1..n with no gap, each client_msg_id once, every ack at its seq.
func checkLog(t *testing.T, dir string, cs []*killClient, round int) uint64 {
	t.Helper()
	bySeq, byID := readChatLog(t, dir)
	for seq := uint64(1); seq <= uint64(len(bySeq)); seq++ {
		if _, ok := bySeq[seq]; !ok {
			t.Fatalf("round %d: seq %d missing of %d: a gap", round, seq, len(bySeq))
		}
	}
	for _, c := range cs {
		for id, seq := range c.acked {
			if got, ok := byID[id]; !ok || got != seq {
				t.Fatalf("round %d: acknowledged %s (seq %d) is in the log at seq %d (present %v)", round, id, seq, got, ok)
			}
		}
	}
	return uint64(len(bySeq))
}

func readChatLog(t *testing.T, dir string) (map[uint64]string, map[string]uint64) {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bySeq, byID := map[uint64]string{}, map[string]uint64{}
	for rec, err := range st.ReadStream(context.Background(), events.ChatStream(killChat), events.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Type != events.TypeMessagePosted {
			continue
		}
		var m events.MessagePosted
		if err := json.Unmarshal(rec.Data, &m); err != nil {
			t.Fatal(err)
		}
		if _, dup := byID[m.ClientMsgID]; dup {
			t.Fatalf("client_msg_id %s stored twice (seq %d and %d)", m.ClientMsgID, byID[m.ClientMsgID], m.Seq)
		}
		if _, dup := bySeq[m.Seq]; dup {
			t.Fatalf("seq %d stored twice", m.Seq)
		}
		bySeq[m.Seq], byID[m.ClientMsgID] = m.ClientMsgID, m.Seq
	}
	return bySeq, byID
}

// finalSync: after the last restart every client finishes its in-flight
// send, syncs, and must then hold the whole chat.
func finalSync(t *testing.T, p *proc, cs []*killClient) uint64 {
	t.Helper()
	// A session can fail on a loaded machine (a dial or a reply past the
	// client's 5 s wait); the server is up, so each is tried again, a few
	// times, and one that never completes fails the test below.
	for _, c := range cs {
		c.retrySession(p.url(), 1)
	}
	for _, c := range cs {
		c.retrySession(p.url(), -1) // reconnect, sync, send nothing more
	}
	latest := uint64(0)
	for _, c := range cs {
		if c.violation != "" {
			t.Fatalf("%s: %s", c.user, c.violation)
		}
		latest = max(latest, c.pos)
	}
	for _, c := range cs {
		if c.pos != latest || c.inflight != "" {
			t.Fatalf("%s holds 1..%d (in flight %q), want 1..%d", c.user, c.pos, c.inflight, latest)
		}
	}
	return latest
}
