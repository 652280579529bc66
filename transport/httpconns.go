package transport

import (
	"container/list"
	"net"
	"net/http"
	"sync"
)

// connLimiter bounds the HTTP connections that are not (yet) an upgraded
// WebSocket — the ones anyone can hold open without a token — per source
// address and in total. It is the http.Server's ConnState hook: a
// connection counts from its accept until it is hijacked by a successful
// upgrade (the handshake authenticated it) or closed.
//
// At a cap the new connection is kept and an older one is closed: the
// oldest of the same source address at the per-address cap, the oldest of
// all at the total cap, preferring one that is idle (no request yet, or
// between two requests) over one in the middle of a request. Refusing the
// new one instead would let whoever holds the slots keep everyone out;
// this way a client that hoards sockets only displaces its own oldest, and
// a real client's handshake, which takes milliseconds, is never the
// oldest. Counted in linkup_http_connections and
// linkup_http_connections_evicted_total{limit}.
type connLimiter struct {
	maxTotal, maxPerAddr int
	m                    *serverMetrics
	mu                   sync.Mutex
	all                  list.List // of *httpConn, oldest first
	byAddr               map[string]*list.List
	conns                map[net.Conn]*httpConn
}

// httpConn is one counted connection, in both of the limiter's lists.
type httpConn struct {
	conn   net.Conn
	addr   string
	busy   bool // a request is being read or served
	inAll  *list.Element
	inAddr *list.Element
}

func newConnLimiter(maxTotal, maxPerAddr int, m *serverMetrics) *connLimiter {
	return &connLimiter{maxTotal: maxTotal, maxPerAddr: maxPerAddr, m: m,
		byAddr: map[string]*list.List{}, conns: map[net.Conn]*httpConn{}}
}

// connState is the http.Server ConnState hook.
func (l *connLimiter) connState(c net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		if victim := l.add(c); victim != nil {
			_ = victim.Close()
		}
	case http.StateActive, http.StateIdle:
		l.setBusy(c, s == http.StateActive)
	case http.StateHijacked, http.StateClosed:
		l.remove(c)
	}
}

// add counts a new connection and returns the one to close if a cap is
// now exceeded (already uncounted), else nil.
func (l *connLimiter) add(c net.Conn) net.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	hc := &httpConn{conn: c, addr: sourceAddr(c)}
	peers := l.byAddr[hc.addr]
	if peers == nil {
		peers = list.New()
		l.byAddr[hc.addr] = peers
	}
	hc.inAll, hc.inAddr = l.all.PushBack(hc), peers.PushBack(hc)
	l.conns[c] = hc
	var victim *httpConn
	switch {
	case peers.Len() > l.maxPerAddr:
		victim = oldestBut(peers, hc)
		l.m.httpEvicted.WithLabelValues("per_address").Inc()
	case l.all.Len() > l.maxTotal:
		victim = oldestBut(&l.all, hc)
		l.m.httpEvicted.WithLabelValues("total").Inc()
	default:
		l.count()
		return nil
	}
	l.drop(victim)
	return victim.conn
}

// count sets the gauge to the connections counted now. Called with mu
// held and only once a change is complete, so a scrape never sees a count
// above the cap (as an increment before the eviction would show).
func (l *connLimiter) count() { l.m.httpConns.Set(float64(l.all.Len())) }

// oldestBut returns the oldest idle connection of ls other than newest,
// else the oldest busy one.
func oldestBut(ls *list.List, newest *httpConn) *httpConn {
	var busy *httpConn
	for e := ls.Front(); e != nil; e = e.Next() {
		hc := e.Value.(*httpConn)
		switch {
		case hc == newest:
		case !hc.busy:
			return hc
		case busy == nil:
			busy = hc
		}
	}
	return busy
}

func (l *connLimiter) setBusy(c net.Conn, busy bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if hc, ok := l.conns[c]; ok {
		hc.busy = busy
	}
}

// remove uncounts a connection that was upgraded or closed. Idempotent.
func (l *connLimiter) remove(c net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if hc, ok := l.conns[c]; ok {
		l.drop(hc)
	}
}

// drop uncounts hc. Called with mu held.
func (l *connLimiter) drop(hc *httpConn) {
	l.all.Remove(hc.inAll)
	peers := l.byAddr[hc.addr]
	peers.Remove(hc.inAddr)
	if peers.Len() == 0 {
		delete(l.byAddr, hc.addr)
	}
	delete(l.conns, hc.conn)
	l.count()
}

// sourceAddr is the connection's remote IP (without the port).
func sourceAddr(c net.Conn) string {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}
