package actors

import (
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// recordingInvoker is a mailbox's invoker that records what it was given.
type recordingInvoker struct {
	mu       sync.Mutex
	user     []any
	sys      []any
	failures []any
	onUser   func(any)
}

func (r *recordingInvoker) InvokeSystemMessage(m any) {
	r.mu.Lock()
	r.sys = append(r.sys, m)
	r.mu.Unlock()
}

func (r *recordingInvoker) InvokeUserMessage(m any) {
	r.mu.Lock()
	r.user = append(r.user, m)
	r.mu.Unlock()
	if r.onUser != nil {
		r.onUser(m)
	}
}

func (r *recordingInvoker) EscalateFailure(reason, m any) {
	r.mu.Lock()
	r.failures = append(r.failures, reason)
	r.mu.Unlock()
}

// inPlace runs a mailbox where it is posted, as connDispatcher does.
type inPlace struct{}

func (inPlace) Schedule(fn func()) { fn() }
func (inPlace) Throughput() int    { return 300 }

// oneAtATime is a recording invoker that fails t when two user messages
// are handled at once.
func oneAtATime(t *testing.T) *recordingInvoker {
	inv := &recordingInvoker{}
	var running sync.Mutex
	inv.onUser = func(any) {
		if !running.TryLock() {
			t.Error("two messages handled at once")
			return
		}
		running.Unlock()
	}
	return inv
}

// checkSendersOrder fails t unless handled, messages [2]int{sender, i}
// of senders senders, holds each sender's in the order it posted them.
func checkSendersOrder(t *testing.T, handled []any, senders int) {
	t.Helper()
	next := make([]int, senders)
	for _, msg := range handled {
		p := msg.([2]int)
		if p[1] != next[p[0]] {
			t.Fatalf("sender %d: message %d arrived when %d was due", p[0], p[1], next[p[0]])
		}
		next[p[0]]++
	}
}

// postFromSenders posts messages [2]int{sender, i}, i < each, to m from
// senders goroutines at once, and with sysEvery > 0 a "sys" system
// message after every sysEvery-th of each sender's; it returns when every
// post has returned.
func postFromSenders(m actor.Mailbox, senders, each, sysEvery int) {
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				m.PostUserMessage([2]int{s, i})
				if sysEvery > 0 && i%sysEvery == 0 {
					m.PostSystemMessage("sys")
				}
			}
		})
	}
	wg.Wait()
}

func newTestMailbox(inv *recordingInvoker, d actor.Dispatcher) *connMailbox {
	m := connMailboxes(nil)().(*connMailbox)
	m.RegisterHandlers(inv, d)
	m.Start()
	return m
}

// TestConnMailboxKeepsEachSendersOrder: messages posted from many
// goroutines at once all arrive, one at a time, each sender's in the order
// it posted them, and the mailbox keeps no queue once it is empty (an idle
// connection's mailbox is its 64-byte struct alone).
func TestConnMailboxKeepsEachSendersOrder(t *testing.T) {
	inv := oneAtATime(t)
	m := newTestMailbox(inv, inPlace{})
	const senders, each = 8, 2000
	postFromSenders(m, senders, each, 0)
	if len(inv.user) != senders*each {
		t.Fatalf("%d messages handled, want %d", len(inv.user), senders*each)
	}
	checkSendersOrder(t, inv.user, senders)
	if m.q != nil || m.UserMessageCount() != 0 {
		t.Fatal("an empty mailbox still holds its queues")
	}
}

// TestConnMailboxSuspendHoldsUserMessages: while suspended (a handler
// failed and the supervisor has not decided), user messages wait and
// system messages still run; resumed, the waiting ones run in order.
func TestConnMailboxSuspendHoldsUserMessages(t *testing.T) {
	inv := &recordingInvoker{}
	m := newTestMailbox(inv, inPlace{})
	m.PostSystemMessage(&actor.SuspendMailbox{})
	m.PostUserMessage("a")
	m.PostUserMessage("b")
	m.PostSystemMessage("sys")
	if len(inv.user) != 0 || len(inv.sys) != 1 || m.UserMessageCount() != 2 {
		t.Fatalf("suspended: user %v, system %v, waiting %d; want none, [sys], 2", inv.user, inv.sys, m.UserMessageCount())
	}
	m.PostSystemMessage(&actor.ResumeMailbox{})
	if len(inv.user) != 2 || inv.user[0] != "a" || inv.user[1] != "b" {
		t.Fatalf("resumed: user %v, want [a b]", inv.user)
	}
	if m.q != nil {
		t.Fatal("an empty mailbox still holds its queues")
	}
}

// TestConnMailboxEscalatesAPanic: a handler that panics is escalated to
// the supervisor with its reason, and the mailbox runs the next message.
func TestConnMailboxEscalatesAPanic(t *testing.T) {
	inv := &recordingInvoker{}
	inv.onUser = func(m any) {
		if m == "boom" {
			panic("boom")
		}
	}
	m := newTestMailbox(inv, inPlace{})
	m.PostUserMessage("boom")
	m.PostUserMessage("after")
	if len(inv.failures) != 1 || inv.failures[0] != "boom" {
		t.Fatalf("failures %v, want [boom]", inv.failures)
	}
	if got := inv.user; len(got) != 2 || got[1] != "after" {
		t.Fatalf("handled %v, want [boom after]", got)
	}
}
