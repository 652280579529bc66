package transport_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// TestShutdownWhileClientsLeave: the node shuts down while half of its
// clients close their connections at the same moment. Connection actors
// run in place on whichever goroutine posts to them, and Shutdown posts
// under the connections' registry lock, which a closing connection's
// actor takes: Shutdown must still return, with every connection gone.
func TestShutdownWhileClientsLeave(t *testing.T) {
	for round := range 3 {
		n := testnode.Start(t, testnode.Options{})
		const conns = 200
		var clients []interface{ Close() error }
		for i := range conns {
			clients = append(clients, n.Dial(t, fmt.Sprintf("u%d-%d", round, i)))
		}
		poll.Within(wait, func() bool { return testnode.Metric(t, n.Reg, "linkup_connections", "", "") == conns })
		var wg sync.WaitGroup
		for i := 0; i < conns; i += 2 {
			wg.Go(func() { _ = clients[i].Close() })
		}
		done := make(chan struct{})
		go func() { n.Stop(); close(done) }() // Shutdown, giving up after 10 s
		select {
		case <-done:
		case <-time.After(2 * time.Minute): // a hang detector, not a timing bound
			t.Fatalf("round %d: Shutdown never returned", round)
		}
		wg.Wait()
		if got := testnode.Metric(t, n.Reg, "linkup_connections", "", ""); got != 0 {
			t.Fatalf("round %d: %v connections left after Shutdown", round, got)
		}
	}
}
