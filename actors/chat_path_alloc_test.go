package actors

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/linkup-chat/linkup/protocol"
)

// listSocket is a countSocket that also notes where each list of
// message frames it is handed begins, to tell a shared list from copies.
type listSocket struct {
	*countSocket
	mu      sync.Mutex
	lists   []*[]byte
	created atomic.Int64 // chat_created frames
}

func (s *listSocket) Send(f []byte) error { return s.SendMany([][]byte{f}) }

func (s *listSocket) SendMany(fs [][]byte) error {
	for _, f := range fs {
		if bytes.HasPrefix(f, []byte(`{"type":"chat_created"`)) {
			s.created.Add(1)
		}
	}
	if len(fs) > 0 && bytes.HasPrefix(fs[0], []byte(`{"type":"message"`)) {
		s.mu.Lock()
		s.lists = append(s.lists, unsafe.SliceData(fs))
		s.mu.Unlock()
	}
	return s.countSocket.SendMany(fs)
}

func (s *listSocket) SendBulk(fs [][]byte) error { return s.SendMany(fs) }

var _ BulkSocket = (*listSocket)(nil)

// TestFanOutHandsEveryMemberOneSharedList: a post in a chat of five goes to
// the four other members' sockets as the same list of frames, made once by
// the chat, not one list per member connection (each used to make its own).
func TestFanOutHandsEveryMemberOneSharedList(t *testing.T) {
	n := unlimitedNode(t)
	var socks []*listSocket
	var conns []*Conn
	users := []string{"u0", "u1", "u2", "u3", "u4"}
	for _, u := range users {
		s := &listSocket{countSocket: newCountSocket()}
		socks, conns = append(socks, s), append(conns, n.Connect(ConnInfo{ConnectionID: "k-" + u, UserID: u}, s))
	}
	conns[0].Handle(protocol.CreateChat{Ref: "c", ChatID: "c0", Title: "t", Members: users[1:]})
	waitCount(t, socks[0].countSocket, &socks[0].acks, 1)
	for _, c := range conns[1:] {
		c.Handle(protocol.Ping{Ref: "p"}) // its first frame: live items flow from here
	}
	for _, s := range socks[1:] { // the chat's creation delivered, so it shares no list with the post
		waitCount(t, s.countSocket, &s.created, 1)
	}
	conns[0].Handle(protocol.SendMessage{Ref: "s", ChatID: "c0", ClientMsgID: "m1", Body: "hello"})
	for _, s := range socks[1:] {
		waitCount(t, s.countSocket, &s.msgs, 1)
	}
	socks[1].mu.Lock()
	if len(socks[1].lists) == 0 {
		socks[1].mu.Unlock()
		t.Fatal("member 1's message came in a list that does not begin with it")
	}
	first := socks[1].lists[0]
	socks[1].mu.Unlock()
	for i, s := range socks[1:] {
		s.mu.Lock()
		if len(s.lists) != 1 || s.lists[0] != first {
			t.Errorf("member %d was handed lists %v, want the one shared list %p", i+1, s.lists, first)
		}
		s.mu.Unlock()
	}
	if socks[0].msgs.Load() != 0 {
		t.Fatal("the sender got its own message")
	}
}

// TestChatMessageAllocations bounds the allocations of one message's whole
// path in a chat of five, the store's included: decide, durable append,
// ack and four deliveries, one post at a time (each batch of one command).
// Measured 51.6 per message (54 before chat mailboxes scheduled their
// runs without a method value each time); 69 before the ack went by pointer, the post's
// op and command became one allocation, the fan-out's frame list was
// shared, a batch's immediate replies stopped moving every reply to the
// heap, a one-command batch was decided in one allocation, and a flight
// kept its answer and its events' ids without allocations of their own.
// The bound leaves room for the store's background work, not for those.
func TestChatMessageAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	conns, socks := chatPathNode(t, 1)
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprint("m", i)
	}
	deadline := time.After(60 * time.Second) // one timer for the whole test
	post := func(i int) {
		conns[0].Handle(protocol.SendMessage{Ref: "r", ChatID: "c0", ClientMsgID: ids[i], Body: "hello from the test"})
		waitQuiet(t, socks[0], &socks[0].acks, int64(i)+2, deadline) // the create's ack and i+1 posts'
		for _, s := range socks[1:] {
			waitQuiet(t, s, &s.msgs, int64(i)+1, deadline)
		}
	}
	for i := range 10 { // warm: the chat loaded, its rings and windows grown
		post(i)
	}
	const n = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 10; i < 10+n; i++ {
		post(i)
	}
	runtime.ReadMemStats(&after)
	per := float64(after.Mallocs-before.Mallocs) / n
	t.Logf("%.1f allocations per message", per)
	if per > maxAllocsPerMessage {
		t.Fatalf("%.1f allocations per message, want at most %d", per, maxAllocsPerMessage)
	}
}

// waitQuiet is waitCount without a timer of its own, so the wait adds
// no allocation to what is measured.
func waitQuiet(t *testing.T, s *countSocket, counter *atomic.Int64, want int64, deadline <-chan time.Time) {
	t.Helper()
	for counter.Load() < want {
		select {
		case <-s.wake:
		case <-deadline:
			t.Fatalf("timed out: %d of %d", counter.Load(), want)
		}
	}
	if s.errs.Load() > 0 {
		t.Fatal("a connection was sent an error frame")
	}
}

// maxAllocsPerMessage is TestChatMessageAllocations' bound.
const maxAllocsPerMessage = 55
