package actors

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
)

// laggingStore is a store whose subscriptions start only when gate is
// closed: a node on it has a log follower that is behind (as one whose
// process was stopped, or whose PostgreSQL notifications are late), while
// its reads and appends reach the log at once.
type laggingStore struct {
	events.Store
	gate chan struct{}
}

func (s laggingStore) Subscribe(ctx context.Context, opts events.SubscribeOptions) iter.Seq2[events.Delivery, error] {
	return func(yield func(events.Delivery, error) bool) {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return
		}
		for d, err := range s.Store.Subscribe(ctx, opts) {
			if !yield(d, err) {
				return
			}
		}
	}
}

// lagged starts node a on st and node b on st with its log follower held
// until the returned func is called.
func lagged(t *testing.T, st events.Store) (a, b *Node, release func()) {
	t.Helper()
	lim := Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6}
	a, err := New(context.Background(), Config{Store: sharedLog{st}, Encoder: jsonEncoder{}, Name: "a", Limits: lim}) // two appenders: see sharedLog
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	b, err = New(context.Background(), Config{Store: laggingStore{Store: st, gate: gate}, Encoder: jsonEncoder{}, Name: "b", Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	return a, b, func() { close(gate) }
}

// TestSyncOfChatCreatedOnAnotherNode: bob syncs, on node b, a chat alice
// created on node a a moment ago, which b's directory does not know yet
// (its log follower is behind): he gets its items and sync_complete, no
// not_member (the chat, loaded from the log, says he is a member). A chat
// that does not exist is still refused, by one not_member error.
func TestSyncOfChatCreatedOnAnotherNode(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, b, release := lagged(t, st)
	defer release()
	open := make(chan struct{})
	close(open)
	sa, sb := &gatedSocket{gate: open}, &gatedSocket{gate: open}
	alice := a.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	alice.Handle(protocol.SendMessage{Ref: "s", ChatID: "c1", ClientMsgID: "m1", Body: "hi"})
	waitFor(t, sa, `"type":"ack","ref":"s"`)
	bob := b.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb)
	bob.Handle(protocol.SyncRequest{Ref: "y", Positions: map[string]uint64{"c1": 0, "nowhere": 0}})
	waitFor(t, sb, `"type":"sync_complete","ref":"y"`)
	var errs []string
	got := false
	for _, f := range frameList(sb) {
		if strings.Contains(f, `"type":"error"`) {
			errs = append(errs, f)
		}
		got = got || strings.Contains(f, `"type":"message"`) && strings.Contains(f, `"body":"hi"`)
	}
	if len(errs) != 1 || !strings.Contains(errs[0], `"chat_ids":["nowhere"]`) || !strings.Contains(errs[0], `"not_member"`) {
		t.Fatalf("errors %v, want one not_member for nowhere alone", errs)
	}
	if !got {
		t.Fatalf("bob's sync of c1 on b did not carry alice's message: %v", frameList(sb))
	}
	if !strings.Contains(lastWith(sb, "sync_complete"), `"c1":{`) {
		t.Fatalf("sync_complete without c1: %s", lastWith(sb, "sync_complete"))
	}
}

// TestSyncOnLaggingNodeRepeatsNothing: alice holds seqs 1..5 of a chat
// (posted through node a) and connects to node b, whose chat is in memory
// at seq 0 and whose log follower is behind; her first frame is
// sync_request from 5. Nothing at or below 5 may reach that connection,
// then or when b's follower catches up; seq 6, posted after, does (once).
// bob, subscribed on b, gets 1..6 once each.
func TestSyncOnLaggingNodeRepeatsNothing(t *testing.T) {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, b, release := lagged(t, st)
	open := make(chan struct{})
	close(open)
	sa, sb, s2 := &gatedSocket{gate: open}, &gatedSocket{gate: open}, &gatedSocket{gate: open}
	alice := a.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
	alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, sa, `"type":"ack","ref":"c"`)
	bob := b.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb)
	bob.Handle(protocol.SyncRequest{Ref: "y", Positions: map[string]uint64{"c1": 0}}) // loads c1 on b, at seq 0
	waitFor(t, sb, `"type":"sync_complete","ref":"y"`)
	for i := 1; i <= 5; i++ {
		alice.Handle(protocol.SendMessage{Ref: fmt.Sprint("s", i), ChatID: "c1", ClientMsgID: fmt.Sprint("m", i), Body: "hi"})
		waitFor(t, sa, fmt.Sprintf(`"type":"ack","ref":"s%d"`, i))
	}
	alice2 := b.Connect(ConnInfo{ConnectionID: "k-alice-2", UserID: "alice"}, s2)
	alice2.Handle(protocol.SyncRequest{Ref: "y2", Positions: map[string]uint64{"c1": 5}})
	waitFor(t, s2, `"type":"sync_complete","ref":"y2"`)
	release()
	alice.Handle(protocol.SendMessage{Ref: "s6", ChatID: "c1", ClientMsgID: "m6", Body: "after"})
	waitFor(t, s2, `"seq":6`)
	waitFor(t, sb, `"seq":6`)
	if got := messageSeqsOf(s2); fmt.Sprint(got) != "[6]" {
		t.Fatalf("alice synced from 5 on the lagging node and got seqs %v, want [6]; frames %v", got, frameList(s2))
	}
	if got := messageSeqsOf(sb); fmt.Sprint(got) != "[1 2 3 4 5 6]" {
		t.Fatalf("bob on the lagging node got seqs %v, want [1 2 3 4 5 6]", got)
	}
}

// messageSeqsOf lists the seqs of the message frames s got, in order.
func messageSeqsOf(s *gatedSocket) []uint64 {
	var out []uint64
	for _, f := range frameList(s) {
		var m struct {
			Type string `json:"type"`
			Seq  uint64 `json:"seq"`
		}
		if err := json.Unmarshal([]byte(f), &m); err == nil && m.Type == "message" {
			out = append(out, m.Seq)
		}
	}
	return out
}

// lastWith is the last frame of s containing "type":"typ".
func lastWith(s *gatedSocket, typ string) string {
	frames := frameList(s)
	for i := len(frames) - 1; i >= 0; i-- {
		if strings.Contains(frames[i], `"type":"`+typ+`"`) {
			return frames[i]
		}
	}
	return ""
}
