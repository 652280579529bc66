//go:build linux

package transport_test

import (
	"fmt"
	"runtime/metrics"
	"testing"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// goroutinesCreated is how many goroutines the process has started.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestFramesAreReadOnReusedGoroutines: the poller hands each readable
// connection to a parked reader goroutine instead of starting one per
// frame (internal/gopool), so 100 frames read one after another start
// far fewer than 100 goroutines in the whole process.
func TestFramesAreReadOnReusedGoroutines(t *testing.T) {
	if raceEnabled {
		// Under the race detector a read outlasts the poller's 200 µs
		// watchdog often enough that the goroutines started depend on
		// the machine (55 for 100 frames in one CI run); the plain
		// `go test ./...` run holds the bound.
		t.Skip("goroutine reuse is measured without the race detector")
	}
	n := testnode.Start(t, testnode.Options{})
	alice := n.Dial(t, "alice")
	expectAlive(t, alice)
	before := goroutinesCreated()
	for range 100 {
		expectAlive(t, alice)
	}
	if started := goroutinesCreated() - before; started >= 50 {
		t.Fatalf("100 frames read one after another started %d goroutines", started)
	}
}

// TestReadersRunTheChatTheirFrameWentTo: a send read from the socket
// reaches an idle chat, whose mailbox then runs on the reader that read
// it, after the frame (internal/gopool/lend), instead of on a runner
// woken for it; acks still come in order, after the append.
func TestReadersRunTheChatTheirFrameWentTo(t *testing.T) {
	n := testnode.Start(t, testnode.Options{})
	alice, bob := n.Dial(t, "alice"), n.Dial(t, "bob")
	expectAlive(t, bob)
	createChat(t, alice, "c1", "bob")
	for i := range 20 {
		body := fmt.Sprint("m", i)
		if ack := sendMsg(t, alice, "c1", body, body); int(ack.Num("seq")) != i+1 {
			t.Fatalf("ack %s, want seq %d", ack.Raw, i+1)
		}
		if _, err := bob.Expect(wait, client.Is("message")); err != nil {
			t.Fatal(err)
		}
	}
	if got := testnode.Metric(t, n.Reg, "linkup_mailbox_runs_borrowed_total", "", ""); got == 0 {
		t.Fatal("no chat mailbox run was made by the reader of the frame that posted to it")
	}
}
