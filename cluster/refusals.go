package cluster

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/credentials"
)

// refusalLogEvery bounds the refusal log lines: at most one per port per
// interval (a scan must not flood the log); the counters count them all.
const refusalLogEvery = 10 * time.Second

// refusals counts the TLS handshakes a member's ports refused: a peer
// without a certificate of the CA, with another CA's, or speaking plain
// text.
type refusals struct {
	remote, health       atomic.Int64
	remoteLog, healthLog atomic.Int64 // unix nanoseconds of the last line
	log                  *slog.Logger
}

// note counts one refusal on port and logs it unless a line was logged
// within refusalLogEvery.
func (r *refusals) note(port string, n, last *atomic.Int64, peer, err string) {
	n.Add(1)
	now := time.Now().UnixNano()
	prev := last.Load()
	if now-prev < int64(refusalLogEvery) || !last.CompareAndSwap(prev, now) {
		return
	}
	r.log.Warn("cluster port refused a peer at the TLS handshake (no certificate of the cluster's CA?)",
		"port", port, "peer", peer, "error", err, "refused_total", n.Load())
}

// Refused returns how many connections the remote and the health port
// refused at the TLS handshake since Start (both zero without TLS).
func (m *Member) Refused() (remote, health int64) {
	return m.refused.remote.Load(), m.refused.health.Load()
}

// countingCreds are the remote server's TLS credentials, counting the
// handshakes that fail.
type countingCreds struct {
	credentials.TransportCredentials
	r *refusals
}

func (c countingCreds) ServerHandshake(conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	nc, info, err := c.TransportCredentials.ServerHandshake(conn)
	if err != nil {
		c.r.note("remote", &c.r.remote, &c.r.remoteLog, conn.RemoteAddr().String(), err.Error())
	}
	return nc, info, err
}

func (c countingCreds) Clone() credentials.TransportCredentials {
	return countingCreds{TransportCredentials: c.TransportCredentials.Clone(), r: c.r}
}

// healthErrorLog receives the health server's error log, where net/http
// reports a failed TLS handshake as "http: TLS handshake error from
// <addr>: <error>", and counts those lines.
type healthErrorLog struct{ r *refusals }

var handshakeError = []byte("TLS handshake error from ")

func (h healthErrorLog) Write(p []byte) (int, error) {
	if i := bytes.Index(p, handshakeError); i >= 0 {
		peer, msg, _ := strings.Cut(string(bytes.TrimSpace(p[i+len(handshakeError):])), ": ")
		h.r.note("health", &h.r.health, &h.r.healthLog, peer, msg)
	}
	return len(p), nil
}
