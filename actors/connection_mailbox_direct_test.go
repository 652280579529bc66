package actors

import (
	"sync/atomic"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// countingStats is a mailbox middleware that counts posted and received
// messages, as the waiting-messages gauge does.
type countingStats struct{ posted, received atomic.Int64 }

func (*countingStats) MailboxStarted()           {}
func (s *countingStats) MessagePosted(any)       { s.posted.Add(1) }
func (s *countingStats) MessageReceived(any)     { s.received.Add(1) }
func (*countingStats) MailboxEmpty()             {}
func (s *countingStats) waiting() (int64, int64) { return s.posted.Load(), s.received.Load() }

func newDirectMailbox(inv *recordingInvoker, stats actor.MailboxMiddleware) *connMailbox {
	m := connMailboxes(stats)().(*connMailbox)
	m.RegisterHandlers(inv, &connDispatcher{})
	m.Start()
	return m
}

// TestConnMailboxRunsAnIdleMessageWithoutQueueing: on a connDispatcher, a
// message posted to an idle, empty mailbox is handled at once on the
// poster's goroutine without passing through the queue: no queue is taken
// and the waiting-messages gauge is not touched (it used to go up and down
// once per ack and per delivery).
func TestConnMailboxRunsAnIdleMessageWithoutQueueing(t *testing.T) {
	inv := &recordingInvoker{}
	stats := &countingStats{}
	m := newDirectMailbox(inv, stats)
	var during *mailQueues
	inv.onUser = func(any) { during = m.q }
	m.PostUserMessage("a")
	m.PostUserMessage("b")
	if len(inv.user) != 2 || inv.user[0] != "a" || inv.user[1] != "b" {
		t.Fatalf("handled %v, want [a b]", inv.user)
	}
	if during != nil || m.q != nil {
		t.Fatal("a message of an idle mailbox went through a queue")
	}
	if p, r := stats.waiting(); p != 0 || r != 0 {
		t.Fatalf("gauge saw %d posted, %d received; want none for messages that never waited", p, r)
	}
}

// TestConnMailboxDirectRunKeepsOrderBehindWaiting: a message posted while
// others wait in an idle mailbox (posted, their run not started yet) is
// handled after them, and the gauge balances.
func TestConnMailboxDirectRunKeepsOrderBehindWaiting(t *testing.T) {
	inv := &recordingInvoker{}
	stats := &countingStats{}
	m := newDirectMailbox(inv, stats)
	// What a poster leaves between its push and its schedule.
	m.q = mailQueuePool.Get().(*mailQueues)
	m.q.user.push("first")
	stats.MessagePosted("first")
	m.PostUserMessage("second")
	if len(inv.user) != 2 || inv.user[0] != "first" || inv.user[1] != "second" {
		t.Fatalf("handled %v, want [first second]", inv.user)
	}
	if p, r := stats.waiting(); p != r {
		t.Fatalf("gauge: %d posted, %d received", p, r)
	}
	if m.q != nil {
		t.Fatal("an empty mailbox still holds its queues")
	}
}

// TestConnMailboxDirectRunHandlesPostsFromItsHandler: a message the
// handler posts to its own mailbox waits until the handler returns, then
// runs on the same goroutine; a panicking handler is escalated and the
// mailbox goes on.
func TestConnMailboxDirectRunHandlesPostsFromItsHandler(t *testing.T) {
	inv := &recordingInvoker{}
	m := newDirectMailbox(inv, nil)
	depth := 0
	inv.onUser = func(msg any) {
		depth++
		defer func() { depth-- }()
		if depth > 1 {
			t.Errorf("%v handled inside another handler", msg)
		}
		switch msg {
		case "ping":
			m.PostUserMessage("pong")
		case "boom":
			panic("boom")
		}
	}
	m.PostUserMessage("ping")
	m.PostUserMessage("boom")
	m.PostUserMessage("after")
	want := []any{"ping", "pong", "boom", "after"}
	if len(inv.user) != len(want) {
		t.Fatalf("handled %v, want %v", inv.user, want)
	}
	for i := range want {
		if inv.user[i] != want[i] {
			t.Fatalf("handled %v, want %v", inv.user, want)
		}
	}
	if len(inv.failures) != 1 || inv.failures[0] != "boom" {
		t.Fatalf("failures %v, want [boom]", inv.failures)
	}
}

// TestConnMailboxDirectRunConcurrentSenders: with the direct run, many
// senders at once still get every message handled, one at a time, each
// sender's in order; suspended, user messages wait as before.
func TestConnMailboxDirectRunConcurrentSenders(t *testing.T) {
	inv := oneAtATime(t)
	stats := &countingStats{}
	m := newDirectMailbox(inv, stats)
	const senders, each = 8, 2000
	postFromSenders(m, senders, each, 0)
	if len(inv.user) != senders*each {
		t.Fatalf("%d messages handled, want %d", len(inv.user), senders*each)
	}
	checkSendersOrder(t, inv.user, senders)
	if p, r := stats.waiting(); p != r {
		t.Fatalf("gauge: %d posted, %d received", p, r)
	}
	m.PostSystemMessage(&actor.SuspendMailbox{})
	m.PostUserMessage("held")
	if m.UserMessageCount() != 1 {
		t.Fatalf("suspended: %d waiting, want 1", m.UserMessageCount())
	}
	m.PostSystemMessage(&actor.ResumeMailbox{})
	if last := inv.user[len(inv.user)-1]; last != "held" || m.UserMessageCount() != 0 {
		t.Fatalf("resumed: last handled %v, %d waiting", last, m.UserMessageCount())
	}
}
