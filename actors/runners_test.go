package actors

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/internal/gopool/lend"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/petermattis/goid"
	"github.com/prometheus/client_golang/prometheus"
)

func testRunners(stop <-chan struct{}) *runners {
	return newRunners(stop, newMetrics(prometheus.NewRegistry()))
}

// TestRunnersReuseAParkedGoroutine: runs scheduled one after another go
// to the runner that parked after the first, instead of a goroutine each.
func TestRunnersReuseAParkedGoroutine(t *testing.T) {
	r := testRunners(make(chan struct{}))
	for i := range 20 {
		done := make(chan struct{})
		r.Schedule(func() { close(done) })
		<-done
		poll.Until(t, 10*time.Second, fmt.Sprintf("a parked runner after run %d", i), func() bool { return r.pool.Idle() == 1 })
	}
	if s, re := metricValue(r.started), metricValue(r.reused); s != 1 || re != 19 {
		t.Fatalf("started %v goroutines and reused %v times, want 1 and 19", s, re)
	}
}

// TestRunnersKeepABurstParked: a store commit completes many chats'
// appends at once and their mailbox runs come in a burst; the runners of
// one burst of 200 stay parked, so the next burst starts no goroutine
// (with 64 kept, it started 136, each growing a fresh stack).
func TestRunnersKeepABurstParked(t *testing.T) {
	r := testRunners(make(chan struct{}))
	burst := func() {
		var wg sync.WaitGroup
		release := make(chan struct{})
		for range 200 {
			wg.Add(1)
			r.Schedule(func() { wg.Done(); <-release })
		}
		wg.Wait() // all 200 run at once
		close(release)
		poll.Until(t, 10*time.Second, "the burst's runners parked", func() bool { return r.pool.Idle() == min(200, maxIdleRunners) })
	}
	burst()
	started := metricValue(r.started)
	burst()
	if more := metricValue(r.started) - started; more != 0 {
		t.Fatalf("a second burst of 200 runs started %v goroutines, want 0", more)
	}
}

// TestChatMailboxesRunOnRunners: a node runs its chat actors on its
// runners, so a chat's second message reuses the goroutine of its first.
func TestChatMailboxesRunOnRunners(t *testing.T) {
	n, _ := newTestNode(t)
	open := make(chan struct{})
	close(open)
	sock := &gatedSocket{gate: open}
	c := n.Connect(ConnInfo{ConnectionID: "k1", UserID: "alice"}, sock)
	c.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t"})
	waitFor(t, sock, `"type":"ack","ref":"c"`)
	for i := range 5 {
		ref := fmt.Sprintf("m%d", i)
		c.Handle(protocol.SendMessage{Ref: ref, ChatID: "c1", ClientMsgID: ref, Body: "hi"})
		waitFor(t, sock, `"ref":"`+ref+`"`)
	}
	if metricValue(n.m.runsReused) == 0 {
		t.Fatalf("no chat mailbox run reused a runner (%v started)", metricValue(n.m.runsStarted))
	}
}

// TestRunnersLeaveARunToALendingGoroutine: a run scheduled by a goroutine
// that lends itself (a socket reader) runs on that goroutine once its own
// work is done, with no runner woken; the next one, scheduled by a
// goroutine that does not lend itself, goes to a runner.
func TestRunnersLeaveARunToALendingGoroutine(t *testing.T) {
	r := testRunners(make(chan struct{}))
	me := goid.Get()
	var ranOn int64
	ran := false
	func() {
		loan := lend.Offer()
		defer loan.Settle()
		r.Schedule(func() { ran, ranOn = true, goid.Get() })
		if ran {
			t.Fatal("the borrowed run ran inside the lender's own work")
		}
	}()
	if !ran || ranOn != me {
		t.Fatalf("ran %v on goroutine %d, want on the lender %d", ran, ranOn, me)
	}
	done := make(chan int64)
	r.Schedule(func() { done <- goid.Get() })
	if g := <-done; g == me {
		t.Fatal("a run scheduled with no offer open ran on the scheduling goroutine")
	}
	if b, s := metricValue(r.borrowed), metricValue(r.started); b != 1 || s != 1 {
		t.Fatalf("borrowed %v runs and started %v runners, want 1 and 1", b, s)
	}
}
