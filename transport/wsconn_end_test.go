package transport

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/events/embedded"
)

// endTestServer is a server over a real node and embedded store, with
// no poller (the test's connections are never read).
func endTestServer(t *testing.T) (*Server, *actors.Node) {
	t.Helper()
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	node, err := actors.New(context.Background(), actors.Config{Store: st, Encoder: JSONEncoder{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = node.Shutdown(ctx, "test over")
		_ = st.Close()
	})
	srv, err := New(Config{Node: node, Secret: []byte("s"), GoroutinePerConn: true})
	if err != nil {
		t.Fatal(err)
	}
	return srv, node
}

// trackedConn is a wsConn as the upgrade has it just before Connect:
// tracked for alice, its socket over a real loopback connection.
func trackedConn(t *testing.T, srv *Server) (*wsConn, net.Conn) {
	t.Helper()
	server, client := loopbackPair(t)
	c := &wsConn{srv: srv}
	if !srv.track(c, "alice") {
		t.Fatal("alice's connection was refused")
	}
	c.sock = newSocket(server, &srv.sock, c)
	return c, client
}

// loopbackPair is a connected pair of TCP connections over loopback.
func loopbackPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() { c, _ := ln.Accept(); accepted <- c }()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return server, client
}

func tracked(srv *Server) int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return len(srv.conns)
}

// TestEndDuringConnectIsFinishedByTheUpgrade: a connection whose socket
// write fails while the upgrade is still in Connect (a connection made
// during Shutdown is told to reconnect, written in place) has no actor
// handle yet. Its end must not touch it (the old end dereferenced the nil
// handle: a panic in the handshake's goroutine, the user's count never
// released); the upgrade finishes the end once Connect returns: the
// descriptor closed, the connection untracked, the user's count released,
// and no reading started.
func TestEndDuringConnectIsFinishedByTheUpgrade(t *testing.T) {
	srv, node := endTestServer(t)
	c, client := trackedConn(t, srv)
	c.end(errors.New("write failed"))
	if tracked(srv) != 1 {
		t.Fatal("an end before the actor exists finished the connection")
	}
	c.actor = node.Connect(actors.ConnInfo{ConnectionID: "k1", UserID: "alice"}, c.sock)
	if c.readyOrEnd() {
		t.Fatal("a connection that ended during Connect may start reading")
	}
	if n := tracked(srv); n != 0 {
		t.Fatalf("%d connections still tracked after the upgrade finished the end", n)
	}
	if !node.AdmitUser("alice", 1) {
		t.Fatal("alice's connection count was not released")
	}
	node.ReleaseUser("alice")
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := readUntilClosed(client); err != nil {
		t.Fatalf("the client's connection was not closed: %v", err)
	}
	c.end(errors.New("again")) // a later end does nothing
}

// TestEndAfterConnectFinishesItself: once the upgrade is done, end
// finishes the connection itself, once.
func TestEndAfterConnectFinishesItself(t *testing.T) {
	srv, node := endTestServer(t)
	c, _ := trackedConn(t, srv)
	c.actor = node.Connect(actors.ConnInfo{ConnectionID: "k2", UserID: "alice"}, c.sock)
	if !c.readyOrEnd() {
		t.Fatal("a live connection was not let read")
	}
	c.end(errors.New("write failed"))
	c.end(errors.New("again"))
	if n := tracked(srv); n != 0 {
		t.Fatalf("%d connections still tracked after end", n)
	}
}

// readUntilClosed reads (and drops) what the server sent until the
// connection is closed; a timeout means it never was.
func readUntilClosed(c net.Conn) error {
	buf := make([]byte, 512)
	for {
		_, err := c.Read(buf)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			return err
		case err != nil:
			return nil
		}
	}
}
