// Package testnode starts a complete linkup node for tests: a real embedded
// store in a temporary directory, the actor system, and the HTTP/WebSocket
// server on a loopback port.
//
//	n := testnode.Start(t, testnode.Options{})
//	c := n.Dial(t, "alice")
//	_ = c.Send(map[string]any{"type": "ping"})
package testnode

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// Secret is the HMAC key of every test node.
var Secret = []byte("test-secret-not-for-production")

// Options tune the node; zero values mean the production defaults.
type Options struct {
	Dir       string // data directory (default t.TempDir())
	Store     events.Store
	Transport transport.Config
	Actors    actors.Config
}

// Node is a running test node.
type Node struct {
	Dir    string
	Store  events.Store
	Actors *actors.Node
	Server *transport.Server
	HTTP   *httptest.Server
	URL    string // ws://127.0.0.1:port/ws
	Reg    *prometheus.Registry
}

// Start runs a node and stops it when the test ends.
func Start(t testing.TB, o Options) *Node {
	t.Helper()
	n := &Node{Dir: o.Dir, Store: o.Store, Reg: prometheus.NewRegistry()}
	if n.Dir == "" {
		n.Dir = t.TempDir()
	}
	if n.Store == nil {
		st, err := embedded.Open(embedded.Config{Dir: n.Dir})
		if err != nil {
			t.Fatal(err)
		}
		n.Store = st
		t.Cleanup(func() { _ = st.Close() })
	}
	ac := o.Actors
	ac.Store, ac.Metrics, ac.Name = n.Store, n.Reg, "test-node"
	if ac.Encoder == nil {
		ac.Encoder = transport.JSONEncoder{}
	}
	an, err := actors.New(context.Background(), ac)
	if err != nil {
		t.Fatal(err)
	}
	tc := o.Transport
	tc.Node, tc.Secret, tc.Metrics, tc.Gatherer = an, Secret, n.Reg, n.Reg
	srv, err := transport.New(tc)
	if err != nil {
		t.Fatal(err)
	}
	n.Actors, n.Server = an, srv
	n.HTTP = httptest.NewUnstartedServer(nil)
	n.HTTP.Config = srv.HTTPServer() // the same timeouts and caps as linkup serve
	n.HTTP.Start()
	n.URL = "ws" + strings.TrimPrefix(n.HTTP.URL, "http") + "/ws"
	t.Cleanup(n.Stop)
	return n
}

// Stop drains the node: force_reconnect to all, writer flushed.
func (n *Node) Stop() {
	if n.HTTP == nil {
		return
	}
	n.Server.Drain()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = n.Actors.Shutdown(ctx, protocol.ReasonShutdown)
	n.Server.Close()
	n.HTTP.Close()
	n.HTTP = nil
}

// Token signs a token for user with roles, valid for an hour.
func Token(t testing.TB, user string, roles ...string) string {
	t.Helper()
	tok, err := transport.IssueToken(Secret, user, roles, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Dial connects user with a fresh token and closes the client at the end.
func (n *Node) Dial(t testing.TB, user string) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), n.URL, client.Options{Token: Token(t, user)})
	if err != nil {
		t.Fatalf("dial %s: %v", user, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}
