package reliability_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/faultstore"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// faultNode starts a node whose store is wrapped by a faultstore, with a
// short append timeout and retry period so the test stays short.
func faultNode(t *testing.T) (*testnode.Node, *faultstore.Store) {
	t.Helper()
	dir := t.TempDir()
	inner, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	fs := faultstore.New(inner)
	t.Cleanup(func() { _ = fs.Close() })
	n := testnode.Start(t, testnode.Options{Dir: dir, Store: fs, Actors: actors.Config{
		Writer: actors.WriterConfig{AppendTimeout: 300 * time.Millisecond, RetryEvery: 100 * time.Millisecond}}})
	return n, fs
}

// A failing or stalled store: ping and get_connection_status answer while
// the fault is still in force (actors never wait on storage), send_message
// gets `unavailable` and never a false ack, the outage is recorded as an
// ErrorRecorded once the store is back, and everything acknowledged before
// the fault is still there, seq gap-free.
func TestStoreFaultsAnswerUnavailableAndLoseNothing(t *testing.T) {
	for _, mode := range []string{"stall", "fail", "latency"} {
		t.Run(mode, func(t *testing.T) { storeFault(t, mode) })
	}
}

func storeFault(t *testing.T, mode string) {
	n, fs := faultNode(t)
	alice := n.Dial(t, "alice")
	testnode.MustType(t, call(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1", "members": []string{"bob"}}), "ack")
	for i := 1; i <= 5; i++ {
		testnode.MustType(t, call(t, alice, sendMsg("c1", fmt.Sprint(i))), "ack")
	}
	inject(fs, mode)
	pending := send(t, alice, sendMsg("c1", "during"))
	answeredDuringFault(t, alice)
	bob := n.Dial(t, "bob") // its ConnectionOpened fails: the outage is recorded later
	answeredDuringFault(t, bob)
	f := reply(t, alice, pending)
	if f.Type != "error" || f.Str("code") != "unavailable" {
		t.Fatalf("send_message during %s: %s, want error unavailable", mode, f.Raw)
	}
	answeredDuringFault(t, alice)
	// Wait until bob's ConnectionOpened has failed and waits for retry, so
	// that Restore cannot release it into the store at the last moment.
	poll.Until(t, wait, "a failed append in the retry backlog", func() bool { return metric(t, n.Reg, "linkup_writer_backlog") >= 1 })
	if fs.Stats().Released.Load() != 0 {
		t.Fatal("a stalled append was released before Restore")
	}
	fs.Restore()
	afterRestore(t, n, alice)
}

func inject(fs *faultstore.Store, mode string) {
	switch mode {
	case "stall":
		fs.Stall()
	case "fail":
		fs.FailAppends(nil)
	case "latency":
		fs.SetLatency(3 * time.Second) // above the writer's 300ms timeout
	}
}

// answeredDuringFault: ping and get_connection_status get their replies.
func answeredDuringFault(t *testing.T, c *client.Client) {
	t.Helper()
	testnode.MustType(t, call(t, c, map[string]any{"type": "ping"}), "pong")
	testnode.MustType(t, call(t, c, map[string]any{"type": "get_connection_status"}), "connection_status")
}

func afterRestore(t *testing.T, n *testnode.Node, alice *client.Client) {
	t.Helper()
	// The refused message may be retried; it gets the next seq, no gap.
	f := testnode.MustType(t, call(t, alice, sendMsg("c1", "during")), "ack")
	if f.Num("seq") != 6 {
		t.Fatalf("retry after restore: %s, want seq 6", f.Raw)
	}
	testnode.MustType(t, call(t, alice, sendMsg("c1", "after")), "ack")
	t.Cleanup(func() {
		if t.Failed() {
			for _, e := range readAll(t, n.Store) {
				t.Logf("%d %s %s %s", e.Position, e.Stream, e.Type, e.Data)
			}
		}
	})
	poll.Until(t, wait, "store_unavailable recorded", func() bool { return hasError(t, n.Store, "store_unavailable") })
	poll.Until(t, wait, "the unavailable reply recorded", func() bool { return hasError(t, n.Store, "unavailable") })
	checkChat(t, n.Store, "c1", []string{"1", "2", "3", "4", "5", "during", "after"})
	if got := readAll(t, n.Store, events.TypeConnectionOpened); len(got) != 2 {
		t.Fatalf("%d ConnectionOpened, want 2 (alice's, and bob's from during the fault)", len(got))
	}
}

func hasError(t *testing.T, st events.Store, typ string) bool {
	for _, rec := range readAll(t, st, events.TypeErrorRecorded) {
		var e events.ErrorRecorded
		if json.Unmarshal(rec.Data, &e) == nil && e.ErrorType == typ {
			return true
		}
	}
	return false
}

// checkChat: the chat's messages are exactly want, in order, seq 1..n.
func checkChat(t *testing.T, st events.Store, chat string, want []string) {
	t.Helper()
	var got []string
	for i, rec := range readAll(t, st, events.TypeMessagePosted) {
		var m events.MessagePosted
		if err := json.Unmarshal(rec.Data, &m); err != nil {
			t.Fatal(err)
		}
		if m.ChatID != chat {
			continue
		}
		if m.Seq != uint64(len(got)+1) {
			t.Fatalf("message %d has seq %d: gap or repeat", i, m.Seq)
		}
		got = append(got, m.ClientMsgID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("chat %s holds %v, want %v", chat, got, want)
	}
}

// A send whose append lands but whose acknowledgement is lost is settled
// from the log: the chat reads its stream, finds the message and acks it
// with its seq (a true ack: the log holds it), or answers `unavailable`
// if it cannot tell; the client's retry with the same client_msg_id gets
// the original seq: exactly once, no gap.
func TestLostAckSendRetriedIsStoredOnce(t *testing.T) {
	n, fs := faultNode(t)
	alice := n.Dial(t, "alice")
	testnode.MustType(t, call(t, alice, map[string]any{"type": "create_chat", "chat_id": "c1"}), "ack")
	testnode.MustType(t, call(t, alice, sendMsg("c1", "1")), "ack")
	fs.LoseAcks(nil)
	f := call(t, alice, sendMsg("c1", "2"))
	if (f.Type != "ack" || f.Num("seq") != 2) && (f.Type != "error" || f.Str("code") != "unavailable") {
		t.Fatalf("send with a lost ack: %s, want its ack with seq 2 or error unavailable", f.Raw)
	}
	fs.Restore()
	f = call(t, alice, sendMsg("c1", "2"))
	if f.Type == "error" && f.Str("code") == "unavailable" {
		f = call(t, alice, sendMsg("c1", "2"))
	}
	if testnode.MustType(t, f, "ack"); f.Num("seq") != 2 {
		t.Fatalf("retry: %s, want the original seq 2", f.Raw)
	}
	testnode.MustType(t, call(t, alice, sendMsg("c1", "3")), "ack")
	checkChat(t, n.Store, "c1", []string{"1", "2", "3"})
}

// A fire-and-forget event (here bob's ConnectionOpened) whose append lands
// but whose acknowledgement is lost must not be stored twice by the
// writer's retry backlog.
func TestLostAckRecordIsNotDuplicatedByRetry(t *testing.T) {
	n, fs := faultNode(t)
	fs.LoseAcks(nil)
	n.Dial(t, "bob")
	poll.Until(t, wait, "the lost-ack append in the retry backlog", func() bool { return metric(t, n.Reg, "linkup_writer_backlog") >= 1 })
	fs.Restore()
	poll.Until(t, wait, "store_unavailable recorded", func() bool { return hasError(t, n.Store, "store_unavailable") })
	if got := readAll(t, n.Store, events.TypeConnectionOpened); len(got) != 1 {
		t.Fatalf("bob's ConnectionOpened stored %d times, want once", len(got))
	}
}

// Old messages while the store cannot be read: history that needs a page
// from the store gets `unavailable` and the connection stays; once reads
// work again the same request brings every message, in order (a failed
// read is never cached as a page). The chat holds more messages than its
// ring of recent ones (1,024), so seqs 250..299 are never in memory: the
// node's log follower may hand the chat every message as it is appended
// (the chat is in memory once alice's connection is welcomed to it).
func TestOldMessagesWhileReadsFail(t *testing.T) {
	n, fs := faultNode(t)
	evs := []events.EventData{events.MustEncode(events.ChatCreated{ChatID: "old", Title: "t", Members: []string{"alice", "bob"}, CreatedBy: "alice", At: time.Now()}, events.Metadata{})}
	for seq := 1; seq <= 1600; seq++ {
		evs = append(evs, events.MustEncode(events.MessagePosted{ChatID: "old", Seq: uint64(seq), MessageID: fmt.Sprint("m", seq),
			Sender: "bob", Body: "b", ClientMsgID: fmt.Sprint(seq), SentAt: time.Now()}, events.Metadata{}))
	}
	if _, err := fs.Inner().Append(t.Context(), events.ChatStream("old"), events.NoStream(), evs...); err != nil {
		t.Fatal(err)
	}
	alice := n.Dial(t, "alice")
	history := func() client.Frame {
		return call(t, alice, map[string]any{"type": "get_history", "chat_id": "old", "before_seq": 300, "limit": 50})
	}
	newest := testnode.MustType(t, call(t, alice, map[string]any{"type": "get_history", "chat_id": "old", "limit": 10}), "history")
	if !strings.Contains(string(newest.Raw), `"seq":1600`) {
		t.Fatalf("newest page: %s", newest.Raw)
	}
	fs.FailStreamReads(nil)
	f := history()
	if f.Type != "error" || f.Str("code") != "unavailable" {
		// The chat may already hold these pages: the node's log follower
		// and a chat's catch-up read the stream too, so a page can be in
		// memory before the fault. Then the answer must be the right page,
		// not a refusal.
		checkHistoryPage(t, "history while reads fail", f)
	}
	answeredDuringFault(t, alice)
	fs.Restore()
	checkHistoryPage(t, "history after restore", history())
}

// checkHistoryPage: f is a history of the 50 messages before seq 300, in
// order.
func checkHistoryPage(t *testing.T, what string, f client.Frame) {
	t.Helper()
	var h struct{ Messages []struct{ Seq int } }
	if err := testnode.MustType(t, f, "history").Decode(&h); err != nil || len(h.Messages) != 50 {
		t.Fatalf("%s: %d messages (%v)", what, len(h.Messages), err)
	}
	for i, m := range h.Messages {
		if m.Seq != 250+i {
			t.Fatalf("%s: message %d has seq %d, want %d", what, i, m.Seq, 250+i)
		}
	}
}
