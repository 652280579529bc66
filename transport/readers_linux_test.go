//go:build linux

package transport_test

import (
	"runtime/metrics"
	"testing"

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
