package replay_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/replay"
)

// TestReplayStateEqualsLiveActor drives a real node over WebSockets with a
// random mix of sends and read receipts, and after every acknowledged
// command compares what the live chat actor reports (list_chats) with what
// replay rebuilds from the log at the current head: latest_seq and every
// member's read pointer must agree at every step.
func TestReplayStateEqualsLiveActor(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	users := []string{"alice", "bob", "carol"}
	conns := map[string]*client.Client{}
	for _, u := range users {
		conns[u] = n.Dial(t, u)
	}
	ask(t, conns["alice"], map[string]any{"type": "create_chat", "chat_id": "c", "title": "t", "members": users[1:]}, "ack")
	rp, err := replay.New(replay.Config{Store: n.Store})
	if err != nil {
		t.Fatal(err)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 7))
	for step := range 60 {
		u := users[rnd.IntN(len(users))]
		ask(t, conns[u], randomCommand(rnd, step), "ack")
		compareAtHead(t, n, rp, conns, users, step)
	}
}

func randomCommand(rnd *rand.Rand, step int) map[string]any {
	switch rnd.IntN(4) {
	case 0:
		return map[string]any{"type": "read_receipt", "chat_id": "c", "seq": rnd.IntN(step + 2)}
	case 1:
		return map[string]any{"type": "mark_chat_read", "chat_id": "c"}
	default:
		return map[string]any{"type": "send_message", "chat_id": "c", "client_msg_id": fmt.Sprint(step), "body": "b"}
	}
}

func compareAtHead(t *testing.T, n *testnode.Node, rp *replay.Replayer, conns map[string]*client.Client, users []string, step int) {
	t.Helper()
	head, err := n.Store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	view, err := rp.ChatAt(context.Background(), "c", replay.Point{Position: head})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		var list struct {
			Chats []struct {
				LatestSeq   uint64 `json:"latest_seq"`
				LastReadSeq uint64 `json:"last_read_seq"`
			}
		}
		f := ask(t, conns[u], map[string]any{"type": "list_chats"}, "chats")
		if err := f.Decode(&list); err != nil || len(list.Chats) != 1 {
			t.Fatalf("list_chats %s", f.Raw)
		}
		live := list.Chats[0]
		if live.LatestSeq != view.LatestSeq || live.LastReadSeq != view.Read[u] {
			t.Fatalf("step %d, %s: live latest %d read %d; replay at position %d: latest %d read %d",
				step, u, live.LatestSeq, live.LastReadSeq, head, view.LatestSeq, view.Read[u])
		}
	}
}

var refN int

func ask(t *testing.T, c *client.Client, msg map[string]any, want string) client.Frame {
	t.Helper()
	refN++
	ref := fmt.Sprint("q", refN)
	msg["ref"] = ref
	if err := c.Send(msg); err != nil {
		t.Fatal(err)
	}
	f, err := c.Expect(5*time.Second, client.Is(want, ref))
	if err != nil {
		t.Fatalf("%v: %v", msg["type"], err)
	}
	return f
}
