//go:build linux

package reliability_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events/postgres"
)

// TestClusterFrozenHostOthersKeepAcknowledging is TestClusterFrozenNode
// with the availability it only logs made an assertion: while the chat's
// host is frozen (SIGSTOP), the other nodes must go on acknowledging
// sends to the chat.
//
// The bound: a host frozen inside an append transaction holds the log's
// append lock until PostgreSQL ends its session after the store's
// idle_in_transaction_session_timeout (postgres.DefaultIdleInTransactionTimeout,
// 5 s); meanwhile the other nodes drop the frozen member and re-activate
// the chat (Refresh 0.5 s plus the 2 s health timeout; a routed send
// gives up on the frozen owner after 4 tries of 1 s). A 5 s freeze would
// end just as the lock is freed, so the host stays frozen for that bound
// plus 3 s, 8 s in all, and the test asserts that at least 10 sends are
// acknowledged before SIGCONT (counted from 200 ms after SIGSTOP, so no
// ack the host wrote before it stopped counts) and logs when the first
// came. Afterwards as TestClusterFrozenNode: the host exits (its watchdog)
// and is restarted, or goes on serving; nothing acknowledged lost, no seq
// forked, nothing stored twice, every device holds every item.
func TestClusterFrozenHostOthersKeepAcknowledging(t *testing.T) {
	const minAcks = 10
	freeze := postgres.DefaultIdleInTransactionTimeout + 3*time.Second
	c := newCluster(t, clusterOpts{nodes: 3})
	c.startAll()
	c.createChat(busyUsers)
	frozen := c.chatHost()
	devs := busyDevices(c, frozen)
	l := startLoad(devs, 150*time.Second)
	l.waitAcks(t, 300, 30*time.Second, "before the freeze")
	n := c.nodes[frozen]
	n.signal(syscall.SIGSTOP)
	stoppedAt := time.Now()
	defer n.signal(syscall.SIGCONT) // a failed test must not leave it stopped
	time.Sleep(200 * time.Millisecond)
	base := l.acks.Load()
	var first time.Duration
	var locks string
	for time.Since(stoppedAt) < freeze { // the freeze is the fault under test; the loop only watches it
		if first == 0 && l.acks.Load() > base {
			first = time.Since(stoppedAt)
		}
		if locks == "" && time.Since(stoppedAt) > 2500*time.Millisecond {
			locks = c.appendLockHolders()
		}
		time.Sleep(20 * time.Millisecond)
	}
	during := l.acks.Load() - base
	n.signal(syscall.SIGCONT)
	resumed := time.Now()
	t.Logf("2.5 s into the freeze: %s", locks)
	t.Logf("%s frozen %v: %d sends acknowledged by the other nodes meanwhile, the first %.2f s after SIGSTOP",
		n.name, freeze, during, first.Seconds())
	if during < minAcks {
		t.Errorf("the other nodes acknowledged %d sends during the %v freeze of the chat's host %s, want at least %d (the store frees a frozen holder's append lock after %v)",
			during, freeze, n.name, minAcks, postgres.DefaultIdleInTransactionTimeout)
	}
	c.restartIfExited(t, n, resumed)
	c.settle(t, l, 300, "after the freeze")
}
