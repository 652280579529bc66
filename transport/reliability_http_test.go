package transport_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/transport"
)

// heldSocket is an attacker's HTTP connection and when it was opened.
type heldSocket struct {
	conn   net.Conn
	opened time.Time
	kind   string
}

// attackKinds are the ways to hold an HTTP connection without a token:
// nothing sent, a request then keep-alive idle, a body announced and never
// sent, headers never finished.
var attackKinds = []struct{ name, send string }{
	{"silent", ""},
	{"idle keep-alive", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
	{"body never sent", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"},
	{"headers unfinished", "GET /healthz HTTP/1.1\r\nHost: x\r\n"},
}

// holdSockets opens perAddr sockets from each of 127.0.0.2 .. 127.0.0.(1+addrs)
// (address by address), cycling through attackKinds, and closes them when
// the test ends.
func holdSockets(t *testing.T, target string, addrs, perAddr int) []heldSocket {
	t.Helper()
	out := make([]heldSocket, 0, addrs*perAddr)
	t.Cleanup(func() {
		for _, s := range out {
			_ = s.conn.Close()
		}
	})
	for a := range addrs {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+a))}, Timeout: 5 * time.Second}
		for i := range perAddr {
			k := attackKinds[i%len(attackKinds)]
			c, err := d.Dial("tcp", target)
			if err != nil {
				t.Fatalf("attack socket %d from 127.0.0.%d: %v", i, 2+a, err)
			}
			out = append(out, heldSocket{conn: c, opened: time.Now(), kind: k.name})
			if _, err := io.WriteString(c, k.send); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// closedBy reports whether the server closed s before deadline (anything it
// answered first is read and dropped). Past the deadline it still looks
// briefly, for a close that has already arrived.
func closedBy(s heldSocket, deadline time.Time) bool {
	_ = s.conn.SetReadDeadline(later(deadline, time.Now().Add(50*time.Millisecond)))
	_, err := io.Copy(io.Discard, s.conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// Sockets held open without a token cannot exhaust the server (issue #11,
// item 1; the attack filled 20,000 fds with idle keep-alive and half-sent
// requests). 3,000 such sockets from ten loopback addresses: the server
// never holds more than its caps (the oldest of an address, then of all,
// is closed to make room), a real client connecting from one of the
// attacking addresses still connects and chats, every attack socket is
// closed by the request or idle timeout, and the WebSocket, which those
// timeouts must not reach, is still open after them.
func TestIdleHTTPSocketsCannotLockOutClients(t *testing.T) {
	const addrs, perAddr, maxPerAddr, maxTotal = 10, 300, 200, 1000
	limits := transport.HTTPLimits{RequestTimeout: 3 * time.Second, IdleTimeout: 4 * time.Second,
		MaxConns: maxTotal, MaxConnsPerAddr: maxPerAddr}
	n := testnode.Start(t, testnode.Options{Transport: transport.Config{HTTP: limits}})
	start := time.Now()
	held := holdSockets(t, n.HTTP.Listener.Addr().String(), addrs, perAddr)
	t.Logf("%d sockets opened in %v; evicted: %v per address, %v in total", len(held), time.Since(start).Round(time.Millisecond),
		testnode.Metric(t, n.Reg, "linkup_http_connections_evicted_total", "limit", "per_address"),
		testnode.Metric(t, n.Reg, "linkup_http_connections_evicted_total", "limit", "total"))

	if open := testnode.Metric(t, n.Reg, "linkup_http_connections", "", ""); open > maxTotal {
		t.Fatalf("linkup_http_connections %v after the flood, cap %d", open, maxTotal)
	}
	if ev := testnode.Metric(t, n.Reg, "linkup_http_connections_evicted_total", "limit", "per_address"); ev == 0 {
		t.Fatalf("%d sockets from one address, cap %d: none evicted", perAddr, maxPerAddr)
	}
	alice, err := client.Dial(context.Background(), n.URL, client.Options{Token: testnode.Token(t, "alice"), LocalAddr: "127.0.0.2"})
	if err != nil {
		t.Fatalf("a real client from an attacking address cannot connect: %v", err)
	}
	t.Cleanup(func() { _ = alice.Close() })
	createChat(t, alice, "c1")
	sendMsg(t, alice, "c1", "1", "still here")

	slack := 5 * time.Second // generous: the machine is shared
	open := map[string]int{}
	for _, s := range held {
		if !closedBy(s, s.opened.Add(limits.IdleTimeout+slack)) {
			open[s.kind]++
		}
	}
	if len(open) > 0 {
		t.Fatalf("attack sockets still open %v after the %v idle / %v request timeout: %v", slack, limits.IdleTimeout, limits.RequestTimeout, open)
	}
	waitMetric(t, n, "linkup_http_connections", 0)
	expectAlive(t, alice) // the upgraded WebSocket outlived every HTTP timeout
	sendMsg(t, alice, "c1", "2", "and still here")
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// waitMetric waits until the gauge name reads want.
func waitMetric(t *testing.T, n *testnode.Node, name string, want float64) {
	t.Helper()
	poll.Until(t, wait, fmt.Sprintf("%s = %v", name, want), func() bool { return testnode.Metric(t, n.Reg, name, "", "") == want })
}
