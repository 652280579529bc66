package transport_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/transport"
)

// idleConnBudget is the most live heap one idle connection may cost the
// node: its connection actor and Proto.Actor process, the transport's
// wsConn, socket and descriptor, the user and presence entries, the
// expiry schedule and what the store caches of its stream (issue #17:
// 4 KB of RSS per idle connection is the goal, and RSS is about twice
// the live heap at GOGC=100). Measured on linux/amd64 (the store's
// writer batches bounded, below): 1,215-1,229 B after issue #17's fourth
// memory row (the connection actor named by its stream, 96 bytes, and
// listed by slot; a 48-byte mailbox; Proto.Actor's registry in 64 maps;
// the per-user count in the 64-byte user entry; an 8-byte presence
// entry; a 64-byte wsConn; heap profile: 363 B less), 1,582-1,593 B
// before it; the bound leaves ~8 % for a busy machine. Before this row
// the test left the writer's batches at 1,000 events (~100 B more, and
// as much noise between runs): ~1,800-1,950 B before the third row,
// 2,170-2,290 B before the second. ~215 B of it are the store's caches
// of stream heads and names, which stop growing past 4,096 streams.
const idleConnBudget = 1325

// idleConns is how many connections the test opens: enough that the
// per-connection figure is not noise, few enough for a shared machine.
const idleConns = 2000

// TestIdleConnectionHeap opens idleConns WebSocket connections (from a
// child process, so that only the server's side is on this heap), each
// with an expiring token, waits until every one is open and recorded, and
// holds the live heap each adds under idleConnBudget. With
// LINKUP_IDLE_HEAP_PROFILE=file it also writes an exact heap profile of
// them (every allocation sampled) there.
func TestIdleConnectionHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2,000 connections")
	}
	prof := os.Getenv("LINKUP_IDLE_HEAP_PROFILE")
	if prof != "" {
		runtime.MemProfileRate = 1
	}
	// The store's feed of recent events is a ring of a fixed size (4,096
	// events by default), and its writer keeps the buffers of the largest
	// batch it wrote (up to MaxBatch events, 1,000 by default: how large
	// depends on how the connections' events happened to queue, ~100
	// bytes a connection from run to run): costs of the node, not of a
	// connection. Small ones keep them out of the figure.
	dir := t.TempDir()
	st, err := embedded.Open(embedded.Config{Dir: dir, LiveEvents: 16, MaxBatch: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	// A new connection holds live items back until its first frame, for
	// at most SyncWait (a timer each, 1 s by default): a short one lets
	// the connections reach their idle state before the heap is measured.
	n := testnode.Start(t, testnode.Options{Dir: dir, Store: st, Transport: transport.Config{MaxConnsPerUser: idleConns},
		Actors: actors.Config{SyncWait: time.Millisecond}})
	opened := func() float64 { return testnode.Metric(t, n.Reg, "linkup_connections", "", "") }
	warm := n.Dial(t, "warm-up") // the node's lazily made parts exist before the baseline
	expectAlive(t, warm)
	storedEvents(t, n.Store, "ConnectionOpened", 1)
	before := settledHeap()

	child := exec.Command(os.Args[0], "-test.run=^TestIdleDialerChild$", "-test.v")
	child.Env = append(os.Environ(), "LINKUP_IDLE_DIAL="+n.URL, "LINKUP_IDLE_CONNS="+strconv.Itoa(idleConns))
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = child.Wait() }()
	if !dialerReady(stdout) {
		t.Fatal("the dialing child did not connect")
	}
	poll.Until(t, 60*time.Second, "every connection open", func() bool { return opened() == idleConns+1 })
	storedEvents(t, n.Store, "ConnectionOpened", idleConns+1)
	poll.Until(t, 30*time.Second, "the mailboxes drained", func() bool {
		return testnode.Metric(t, n.Reg, "linkup_actor_mailbox_messages", "", "") == 0
	})
	per := (settledHeap() - before) / idleConns
	t.Logf("live heap per idle connection: %d bytes (%d connections)", per, idleConns)
	if prof != "" {
		writeHeapProfile(t, prof)
	}
	if per > idleConnBudget {
		t.Fatalf("an idle connection costs %d bytes of live heap, over the budget of %d", per, idleConnBudget)
	}
}

// TestIdleDialerChild is TestIdleConnectionHeap's child process: it opens
// LINKUP_IDLE_CONNS WebSockets to LINKUP_IDLE_DIAL, says "ready", and holds
// them until its stdin closes. Without those variables it does nothing.
func TestIdleDialerChild(t *testing.T) {
	url := os.Getenv("LINKUP_IDLE_DIAL")
	if url == "" {
		t.Skip("only run as TestIdleConnectionHeap's child")
	}
	count, _ := strconv.Atoi(os.Getenv("LINKUP_IDLE_CONNS"))
	conns := make([]net.Conn, 0, count)
	for i := range count {
		tok, err := transport.IssueToken(testnode.Secret, fmt.Sprintf("idle-%d", i), nil, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		d := ws.Dialer{Protocols: []string{protocol.Protocol}, Timeout: 10 * time.Second}
		c, _, _, err := d.Dial(context.Background(), url+"?token="+tok)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		_ = c.Close()
	}
}

func dialerReady(r io.Reader) bool {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if sc.Text() == "ready" {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return true
		}
	}
	return false
}

// settledHeap is the least of a few live heap readings 100 ms apart: the
// node's background work (the store's writer, the read model's follower)
// holds buffers now and then, which are not the connections' cost.
func settledHeap() int64 {
	least := liveHeap()
	for range 4 {
		time.Sleep(100 * time.Millisecond)
		least = min(least, liveHeap())
	}
	return least
}

func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func writeHeapProfile(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}
