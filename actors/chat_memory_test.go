package actors

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// countingSocket counts acks and keeps nothing, so that it adds nothing to
// the heap being measured.
type countingSocket struct{ acks atomic.Int64 }

func (s *countingSocket) Send(b []byte) error { return s.SendMany([][]byte{b}) }
func (s *countingSocket) SendMany(fs [][]byte) error {
	for _, f := range fs {
		if strings.Contains(string(f), `"type":"ack"`) {
			s.acks.Add(1)
		}
	}
	return nil
}
func (s *countingSocket) Close([]byte, int, string) {}

// TestIdleChatMemory measures the heap an idle chat costs (its actor, its
// state, its directory entries), with 2 and with 1,000 members, and holds
// the 2-member figure under 8 KiB. A chat used to allocate its ring of
// 1,024 recent messages up front (about 115 KB) whatever it held.
func TestIdleChatMemory(t *testing.T) {
	for _, tc := range []struct{ chats, members int }{{2000, 2}, {40, 1000}} {
		per := idleChatBytes(t, tc.chats, tc.members)
		t.Logf("idle chat with %d members: %d bytes", tc.members, per)
		if tc.members == 2 && per > 8<<10 {
			t.Fatalf("an idle 2-member chat costs %d bytes", per)
		}
	}
}

func idleChatBytes(t *testing.T, chats, members int) int64 {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{},
		Limits: Limits{FramesPerSecond: 1e6, ChatsPerSecond: 1e6, ChatsPerUser: 1e6}})
	if err != nil {
		t.Fatal(err)
	}
	sock := &countingSocket{}
	c := n.Connect(ConnInfo{ConnectionID: "k", UserID: "creator"}, sock)
	defer func() {
		c.Closed("test over")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Shutdown(ctx, protocol.ReasonShutdown)
	}()
	ms := make([]string, members-1)
	for i := range ms {
		ms[i] = fmt.Sprintf("member-%04d", i)
	}
	c.Handle(protocol.CreateChat{Ref: "warm", ChatID: "warm", Members: ms})
	waitAcks(t, sock, 1)
	before := heap()
	for i := range chats { // in steps of 50, within the load pool's queue
		c.Handle(protocol.CreateChat{Ref: "c", ChatID: fmt.Sprint("chat-", i), Members: ms})
		if i%50 == 49 {
			waitAcks(t, sock, int64(i)+2)
		}
	}
	waitAcks(t, sock, int64(chats)+1)
	// The members are offline: their user actors, started to pass on
	// chat_created, stop again; wait for that before measuring.
	poll.Until(t, 10*time.Second, "the members' user actors stopped", func() bool { return n.users.len() <= 1 })
	poll.Until(t, 10*time.Second, "the user and chat mailboxes drained", func() bool {
		return gaugeValue(n.m.mailbox.WithLabelValues("user")) == 0 && gaugeValue(n.m.mailbox.WithLabelValues("chat")) == 0
	})
	return (heap() - before) / int64(chats)
}

func waitAcks(t *testing.T, s *countingSocket, want int64) {
	t.Helper()
	poll.Until(t, 30*time.Second, fmt.Sprintf("%d acks", want), func() bool { return s.acks.Load() >= want })
}

func heap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
