package transport

// poller tells which connections have data to read, so an idle connection
// holds no goroutine and no read buffer (the gobwas/ws "netpoll" design).
// The Linux implementation uses epoll (netpoll_linux.go); elsewhere each
// connection gets a reading goroutine (netpoll_other.go).
//
// Contract: after add, ready is called on a fresh goroutine when the
// connection is readable (or hung up); the connection is then not watched
// again until rearm, so at most one goroutine reads a connection at a time.
// remove stops watching; it is safe to call more than once. All methods are
// safe for concurrent use.
type poller interface {
	add(c *wsConn) error
	rearm(c *wsConn) error
	remove(c *wsConn)
	close()
}
