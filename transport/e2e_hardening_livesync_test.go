package transport_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestLiveAndSyncNeverRepeatASeq is a property test over random
// interleavings of live posts, reconnects and syncs (real server, real
// clients, bounded: 6 seeds of 14 steps). Bob posts in bursts without
// waiting for acks while Alice reconnects and syncs. It checks PROTOCOL.md
// section 4, "Live and sync on one connection":
//   - no connection ever receives a seq of the chat twice, whatever Alice
//     sends (a first frame sync, a ping, nothing, later syncs from any
//     position);
//   - a connection whose first frame is a sync_request from the last seq
//     Alice holds receives the chat's items in increasing seq, with no gap
//     (it used to get, reconnecting at 2 while 6 was posted: 6, 3, 4, 5, 6,
//     sync_complete, 7, 8);
//   - a last sync from 0 returns every posted item once, in order.
func TestLiveAndSyncNeverRepeatASeq(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Actors: actors.Config{SyncWait: 2 * time.Second,
		Limits: actors.Limits{MessagesPerSecond: 1000, FramesPerSecond: 1000}}})
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { liveSyncRound(t, n, seed) })
	}
}

// liveConn is one of Alice's connections and what it received.
type liveConn struct {
	c        *client.Client
	mu       sync.Mutex
	seqs     []uint64
	follower bool   // first frame was a sync from what Alice held
	from     uint64 // that sync's position
	synced   bool   // a later sync was sent on it
	err      error
}

func (lc *liveConn) read(chat string) {
	for {
		f, err := lc.c.Next(time.Minute)
		if err != nil {
			return
		}
		lc.mu.Lock()
		switch {
		case f.Type == "message" && f.Str("chat_id") == chat:
			lc.seqs = append(lc.seqs, uint64(f.Num("seq")))
		case f.Type == "force_reconnect" || f.Type == "error":
			lc.err = fmt.Errorf("unexpected %s", f.Raw)
		}
		lc.mu.Unlock()
	}
}

func (lc *liveConn) received() []uint64 {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return slices.Clone(lc.seqs)
}

func liveSyncRound(t *testing.T, n *testnode.Node, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 11))
	chat, alice, bob := fmt.Sprint("live", seed), fmt.Sprint("alice", seed), fmt.Sprint("bob", seed)
	poster := n.Dial(t, bob)
	createChat(t, poster, chat, alice)
	var acked atomic.Int64
	go func() {
		for {
			f, err := poster.Next(time.Minute)
			if err != nil {
				return
			}
			if f.Type == "ack" {
				acked.Add(1)
			}
		}
	}()
	posted := 0
	post := func(k int) {
		for range k {
			posted++
			if err := poster.Send(map[string]any{"type": "send_message", "chat_id": chat, "client_msg_id": fmt.Sprint(posted), "body": "b"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	have := map[uint64]bool{} // what Alice holds over all her connections
	var conns []*liveConn
	var cur *liveConn
	connect := func() {
		if cur != nil {
			_ = cur.c.Close()
		}
		cur = &liveConn{c: n.Dial(t, alice)}
		conns = append(conns, cur)
		go cur.read(chat)
		switch r.IntN(6) {
		case 0: // says nothing: the held items come when SyncWait passes
		case 1:
			_ = cur.c.Send(map[string]any{"type": "ping"})
		default: // follows the rule: first frame sync from what it holds
			cur.follower, cur.from = true, contiguous(have)
			_ = cur.c.Send(map[string]any{"type": "sync_request", "positions": map[string]any{chat: cur.from}})
		}
	}
	connect()
	for step := range 14 {
		switch a := r.IntN(10); {
		case a < 4:
			post(1 + r.IntN(4))
		case a < 7:
			connect()
		case a < 9:
			cur.synced = true
			pos := r.IntN(int(contiguous(have)) + 1)
			_ = cur.c.Send(map[string]any{"type": "sync_request", "positions": map[string]any{chat: pos}})
		default: // a random pause is one of the interleavings under test
			time.Sleep(time.Duration(r.IntN(30)) * time.Millisecond)
		}
		if r.IntN(3) == 0 { // likewise: lets live posts and syncs cross at random
			time.Sleep(time.Duration(r.IntN(20)) * time.Millisecond)
		}
		for _, s := range cur.received() {
			have[s] = true
		}
		_ = step
	}
	// Let the last connection catch up with everything Bob posted.
	caughtUp := func() bool {
		got := cur.received()
		if cur.follower && !cur.synced {
			return cur.from+uint64(len(got)) >= uint64(posted)
		}
		return posted == 0 || have[uint64(posted)] || slices.Contains(got, uint64(posted))
	}
	if !poll.Within(10*time.Second, func() bool { return acked.Load() >= int64(posted) && caughtUp() }) {
		t.Fatalf("the last connection never received seq %d: %v (acked %d)", posted, cur.received(), acked.Load())
	}
	// A repeat would come right after; its absence is what is checked, and
	// absence has no event to wait on, so this pause stays.
	time.Sleep(50 * time.Millisecond)
	for i, lc := range conns {
		checkLiveConn(t, i, lc, lc == cur, posted)
	}
	final := n.Dial(t, alice)
	if err := syncAll(final, chat, posted); err != nil {
		t.Fatalf("final sync: %v", err)
	}
}

// checkLiveConn: no seq twice; a rule-following connection with no later
// sync got from+1, from+2, ... with no gap (up to the last post when it is
// the last connection).
func checkLiveConn(t *testing.T, i int, lc *liveConn, last bool, posted int) {
	t.Helper()
	got := lc.received()
	lc.mu.Lock()
	err := lc.err
	lc.mu.Unlock()
	if err != nil {
		t.Fatalf("connection %d: %v", i, err)
	}
	seen := map[uint64]bool{}
	for _, s := range got {
		if seen[s] {
			t.Fatalf("connection %d (follower %v, later sync %v) received seq %d twice: %v", i, lc.follower, lc.synced, s, got)
		}
		seen[s] = true
	}
	if !lc.follower || lc.synced {
		return
	}
	for j, s := range got {
		if s != lc.from+uint64(j)+1 {
			t.Fatalf("connection %d synced from %d as its first frame and received %v: not in order from %d", i, lc.from, got, lc.from+1)
		}
	}
	if last && lc.from+uint64(len(got)) != uint64(posted) {
		t.Fatalf("last connection synced from %d received %v, want every seq up to %d", lc.from, got, posted)
	}
}

// contiguous is the largest k such that have holds 1..k.
func contiguous(have map[uint64]bool) uint64 {
	k := uint64(0)
	for have[k+1] {
		k++
	}
	return k
}
