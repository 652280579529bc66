package transport_test

import (
	"fmt"
	"testing"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
)

func TestGetConnectionStatus(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	createChat(t, alice, "c1")
	f := testnode.MustType(t, call(t, alice, map[string]any{"type": "get_connection_status"}), "connection_status")
	for _, k := range []string{"connection_id", "user_id", "node", "connected_at", "server_time", "protocol"} {
		if f.Str(k) == "" {
			t.Fatalf("connection_status lacks %s: %s", k, f.Raw)
		}
	}
	if f.Str("user_id") != "alice" || f.Str("protocol") != "linkup.v1" || f.Num("messages_in") < 2 || f.Num("messages_out") < 1 {
		t.Fatalf("connection_status %s", f.Raw)
	}
	if chats, _ := f.Fields["chats"].([]any); len(chats) != 1 || chats[0] != "c1" {
		t.Fatalf("chats %v", f.Fields["chats"])
	}
}

func TestGetHistoryPagesBackwards(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	createChat(t, alice, "c1")
	for i := 1; i <= 7; i++ {
		sendMsg(t, alice, "c1", fmt.Sprint(i), fmt.Sprint("m", i))
	}
	cases := []struct {
		before, limit int
		want          []int
	}{{0, 3, []int{5, 6, 7}}, {5, 3, []int{2, 3, 4}}, {3, 10, []int{1, 2}}, {0, 0, []int{1, 2, 3, 4, 5, 6, 7}}}
	for _, tc := range cases {
		msg := map[string]any{"type": "get_history", "chat_id": "c1", "limit": tc.limit}
		if tc.before > 0 {
			msg["before_seq"] = tc.before
		}
		f := testnode.MustType(t, call(t, alice, msg), "history")
		var h struct{ Messages []struct{ Seq int } }
		_ = f.Decode(&h)
		var got []int
		for _, m := range h.Messages {
			got = append(got, m.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Fatalf("history before %d limit %d: %v want %v", tc.before, tc.limit, got, tc.want)
		}
	}
}

func TestSyncRequestDeliversMissedThenComplete(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	createChat(t, alice, "c1", "bob")
	createChat(t, alice, "c2", "bob")
	for i := 1; i <= 5; i++ {
		sendMsg(t, alice, "c1", fmt.Sprint(i), fmt.Sprint("m", i))
	}
	bob := n.Dial(t, "bob") // offline until now
	if err := bob.Send(map[string]any{"type": "sync_request", "ref": "s1", "positions": map[string]any{"c1": 2}, "limit": 2}); err != nil {
		t.Fatal(err)
	}
	var seqs []int
	for {
		f, err := bob.Next(wait)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "message" {
			seqs = append(seqs, int(f.Num("seq")))
			continue
		}
		testnode.MustType(t, f, "sync_complete")
		var sc struct {
			Chats map[string]struct {
				LatestSeq int  `json:"latest_seq"`
				Unread    int  `json:"unread"`
				Truncated bool `json:"truncated"`
			}
		}
		_ = f.Decode(&sc)
		if fmt.Sprint(seqs) != "[3 4]" || f.Ref() != "s1" {
			t.Fatalf("synced %v (ref %q), want [3 4]", seqs, f.Ref())
		}
		if c1 := sc.Chats["c1"]; c1.LatestSeq != 5 || !c1.Truncated || c1.Unread != 5 {
			t.Fatalf("c1 %+v", c1)
		}
		if _, ok := sc.Chats["c2"]; !ok || len(sc.Chats) != 2 {
			t.Fatalf("sync_complete must list every chat of the user: %s", f.Raw)
		}
		return
	}
}

func TestForceReconnectOnClientRequest(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	f := testnode.MustType(t, call(t, alice, map[string]any{"type": "force_reconnect"}), "force_reconnect")
	if f.Str("reason") != "client_request" {
		t.Fatalf("force_reconnect %s", f.Raw)
	}
	_, err := alice.Next(wait)
	if err == nil || !isClose(err, 1012) {
		t.Fatalf("want close 1012, got %v", err)
	}
}

func isClose(err error, code int) bool { return client.CloseCode(err) == code }

// After a restart the chat's recent-message ring is empty, so history and
// sync read the store, starting from the sparse seq index (one revision per
// 64 messages): pages in the middle of the chat must still be exact.
func TestHistoryAndSyncFromTheStoreAfterRestart(t *testing.T) {
	fast := actors.Config{Limits: actors.Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6}}
	first := testnode.Start(t, testnode.Options{Actors: fast})
	alice := first.Dial(t, "alice")
	createChat(t, alice, "c1")
	for i := 1; i <= 150; i++ {
		sendMsg(t, alice, "c1", fmt.Sprint(i), fmt.Sprint("m", i))
		if i%10 == 0 {
			testnode.MustType(t, call(t, alice, map[string]any{"type": "read_receipt", "chat_id": "c1", "seq": i}), "ack")
		}
	}
	first.Stop()
	second := testnode.Start(t, testnode.Options{Store: first.Store, Actors: fast})
	alice = second.Dial(t, "alice")
	f := testnode.MustType(t, call(t, alice, map[string]any{"type": "get_history", "chat_id": "c1", "before_seq": 100, "limit": 10}), "history")
	var h struct{ Messages []struct{ Seq int } }
	_ = f.Decode(&h)
	if len(h.Messages) != 10 || h.Messages[0].Seq != 90 || h.Messages[9].Seq != 99 {
		t.Fatalf("history 90..99 after restart: %v", h.Messages)
	}
	if err := alice.Send(map[string]any{"type": "sync_request", "ref": "s", "positions": map[string]any{"c1": 129}}); err != nil {
		t.Fatal(err)
	}
	for want := 130; want <= 150; want++ {
		f, err := alice.Expect(wait, client.Is("message"))
		if err != nil || int(f.Num("seq")) != want {
			t.Fatalf("sync after restart, want seq %d: %v %s", want, err, f.Raw)
		}
	}
}
