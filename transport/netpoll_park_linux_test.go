//go:build linux

package transport

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// goroutineStacks returns the stacks of every goroutine, one per entry.
func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// leaderOf is the stack of the goroutine running p's leader loop, "" if
// none does.
func leaderOf(p *epoller) string {
	self := fmt.Sprintf("(*epoller).lead(%p", p)
	for _, g := range goroutineStacks() {
		if strings.Contains(g, self) {
			return g
		}
	}
	return ""
}

// leaderParked reports whether p's leader waits parked in the runtime's
// poller ("IO wait"), not in a blocking system call.
func leaderParked(p *epoller) bool { return strings.Contains(leaderOf(p), "[IO wait") }

// TestPollerLeaderParksInRuntimePoller: with nothing to read, the leader
// waits parked in the Go runtime's poller, holding no thread in a
// blocking epoll_wait (whose processor the runtime's monitor kept taking
// back, waking every 20 µs to do so); a connection that turns readable
// still wakes it and is read, and closing the poller ends it.
func TestPollerLeaderParksInRuntimePoller(t *testing.T) {
	got := make(chan byte, 1)
	p := testPoller(t, func(p *epoller, c *wsConn) {
		b := make([]byte, 1)
		if _, err := c.conn().Read(b); err != nil {
			t.Error(err)
		}
		_ = p.rearm(c)
		got <- b[0]
	})
	_, client := pollConn(t, p)
	for i := range byte(3) {
		poll.Until(t, 10*time.Second, "the leader parked in the runtime's poller", func() bool { return leaderParked(p) })
		if _, err := client.Write([]byte{i}); err != nil {
			t.Fatal(err)
		}
		if b := <-got; b != i {
			t.Fatalf("read %d, want %d", b, i)
		}
	}
	p.close()
	poll.Until(t, 10*time.Second, "the leader ended after close", func() bool { return leaderOf(p) == "" })
}
