package actors

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// countInvoker counts the user messages it is given, without allocating.
type countInvoker struct{ user, sys atomic.Int64 }

func (c *countInvoker) InvokeSystemMessage(any)  { c.sys.Add(1) }
func (c *countInvoker) InvokeUserMessage(any)    { c.user.Add(1) }
func (c *countInvoker) EscalateFailure(any, any) {}

// TestChatMailboxSchedulesWithoutAllocating: a post to an idle chat
// mailbox hands its run to the dispatcher without an allocation
// (Proto.Actor's mailbox made a method value on every schedule, about
// three per chat message), and the run handles the message.
func TestChatMailboxSchedulesWithoutAllocating(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	inv := &countInvoker{}
	m := mailboxOf("chat", nil)()
	m.RegisterHandlers(inv, inPlace{})
	m.Start()
	var msg any = chatIdleCheck{}
	m.PostUserMessage(msg) // warm: the pooled queue exists
	allocs := testing.AllocsPerRun(200, func() { m.PostUserMessage(msg) })
	if allocs != 0 {
		t.Fatalf("%.1f allocations per post to an idle chat mailbox, want 0", allocs)
	}
	if got := inv.user.Load(); got != 202 {
		t.Fatalf("%d messages handled, want 202", got)
	}
}

// goDispatcher runs every mailbox run on a goroutine of its own, as the
// runners may.
type goDispatcher struct{ wg *sync.WaitGroup }

func (d goDispatcher) Schedule(fn func()) { d.wg.Go(fn) }
func (goDispatcher) Throughput() int      { return 300 }

// TestChatMailboxKeepsEachSendersOrder: on a dispatcher that runs the
// mailbox on other goroutines, messages posted by many goroutines at once
// are all handled, one at a time, each sender's in order, system messages
// too; the waiting gauge balances and the emptied mailbox holds no queue.
func TestChatMailboxKeepsEachSendersOrder(t *testing.T) {
	inv := oneAtATime(t)
	stats := &countingStats{}
	var runs sync.WaitGroup
	m := mailboxOf("chat", stats)().(*chatMailbox)
	m.RegisterHandlers(inv, goDispatcher{wg: &runs})
	m.Start()
	const senders, each = 8, 2000
	postFromSenders(m, senders, each, 500)
	runs.Wait() // every run scheduled has ended: nothing waits
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if len(inv.user) != senders*each || len(inv.sys) != senders*each/500 {
		t.Fatalf("%d user and %d system messages handled, want %d and %d", len(inv.user), len(inv.sys), senders*each, senders*each/500)
	}
	checkSendersOrder(t, inv.user, senders)
	if p, r := stats.waiting(); p != r || p != senders*each+senders*each/500 {
		t.Fatalf("gauge: %d posted, %d received", p, r)
	}
	if m.q != nil {
		t.Fatal("an empty mailbox still holds its queues")
	}
}

var _ actor.MessageInvoker = (*countInvoker)(nil)
