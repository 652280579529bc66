package actors

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/linkup-chat/linkup/protocol"
)

// TestConnectAfterShutdownBeganIsToldToReconnect: once Shutdown has begun,
// a handshake that completes (Connect) gets a connection told to
// reconnect with Shutdown's reason, and is not counted among the
// connections Shutdown waits for.
func TestConnectAfterShutdownBeganIsToldToReconnect(t *testing.T) {
	n, _ := newTestNode(t)
	n.closeAdmission(protocol.ReasonShutdown)
	sock := openSocket()
	n.Connect(ConnInfo{ConnectionID: "late", UserID: "ann"}, sock)
	waitFor(t, sock, `"reason":"`+protocol.ReasonShutdown+`"`)
	if listed(n, "late") {
		t.Fatal("a connection made after Shutdown began is listed for the drain")
	}
}

// listed reports whether connection id is in the node's list of open
// connections (the ones Shutdown waits for).
func listed(n *Node, id string) bool {
	found := false
	n.conns.each(func(pid *actor.PID) { found = found || connIDOf(pid.Id) == id })
	return found
}

// TestConnectsDuringShutdown: handshakes completing while the node shuts
// down (a Connect racing Shutdown's wait for the open connections) neither
// race it (a WaitGroup's Add from zero during its Wait: run with -race)
// nor keep it from returning within its context (the test's sockets never
// report closing, so it waits for the open ones until then).
func TestConnectsDuringShutdown(t *testing.T) {
	n, _ := newTestNode(t)
	var (
		mu    sync.Mutex
		socks []*gatedSocket
		wg    sync.WaitGroup
		began sync.WaitGroup // each goroutine has made one connection
	)
	stop := make(chan struct{})
	for g := range 8 {
		wg.Add(1)
		began.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if i == 1 {
					began.Done()
				}
				select {
				case <-stop:
					return
				default:
				}
				s := openSocket()
				n.Connect(ConnInfo{ConnectionID: fmt.Sprint("k", g, "-", i), UserID: fmt.Sprint("u", g)}, s)
				mu.Lock()
				socks = append(socks, s)
				mu.Unlock()
			}
		}()
	}
	began.Wait() // Shutdown starts with connections open and more coming
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = n.Shutdown(ctx, protocol.ReasonShutdown)
	close(stop)
	wg.Wait()
	if len(socks) == 0 {
		t.Fatal("no connection was made")
	}
}
