package transport

// poller tells which connections have data to read, so an idle connection
// holds no goroutine and no read buffer (the gobwas/ws "netpoll" design).
// The Linux implementation uses epoll (netpoll_linux.go); elsewhere each
// connection gets a reading goroutine (netpoll_other.go).
//
// Contract: after add, ready is called when the connection is readable (or
// hung up), on a goroutine other than the caller's — on Linux the one that
// found it readable, whenever it can (netpoll_linux.go); the connection is
// then not watched again until rearm, so at most one goroutine reads a
// connection at a time. ready may block (a frame half arrived): other
// connections are still read meanwhile.
// remove stops watching; it is safe to call more than once. All methods are
// safe for concurrent use.
type poller interface {
	add(c *wsConn) error
	rearm(c *wsConn) error
	remove(c *wsConn)
	close()
}
