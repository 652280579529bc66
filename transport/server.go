package transport

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures a Server. Zero values mean the defaults.
type Config struct {
	// Node is the actor system connections are handed to (required).
	Node *actors.Node
	// Secret is the HS256 key tokens are checked with (required).
	Secret []byte
	// Query serves /v1/ (the analyst query API); nil leaves it out.
	Query http.Handler
	// Gatherer serves /metrics (default: prometheus.DefaultGatherer).
	Gatherer prometheus.Gatherer
	// Metrics registers the transport's own metrics (nil: nowhere).
	Metrics prometheus.Registerer
	// MaxFrameBytes: larger frames close the connection with 1009
	// (default 64 KiB).
	MaxFrameBytes int
	// OutboundQueue bounds the frames waiting to be written to one client;
	// a full queue makes it a slow consumer (default 1024).
	OutboundQueue int
	// PingInterval: a connection silent this long is pinged (default 30s);
	// PongTimeout: then closed if still silent this much later (default 15s).
	PingInterval time.Duration
	PongTimeout  time.Duration
	// WriteTimeout bounds one write to a client (default 10s).
	WriteTimeout time.Duration
	// SocketSendBuffer is each connection's kernel send buffer (default
	// 128 KiB). Left to autotuning, Linux lets one never-reading client hold
	// up to 4 MiB before a write blocks and the outbound queue can notice.
	SocketSendBuffer int
	// MaxConnsPerUser refuses further connections of a user with 429
	// (default 64).
	MaxConnsPerUser int
	// DirectWrites lets the delivering actor write an idle connection's
	// frames itself (one non-blocking writev, no goroutine) instead of
	// handing them to a flush goroutine. Lower latency when lightly loaded;
	// under fan-out load the flush goroutine coalesces more frames per
	// system call, so it is off by default.
	DirectWrites bool
	// Writers is the number of long-lived writer goroutines that write
	// connections' queued frames, one non-blocking write per connection
	// per round (default GOMAXPROCS; see writerPool).
	Writers int
	// FlushGoroutines writes each round on a goroutine started for it
	// instead (the writer before the pool; for comparison).
	FlushGoroutines bool
	// GoroutinePerConn reads every connection on a goroutine of its own
	// instead of through epoll (the default on Linux, where an idle
	// connection then holds no goroutine).
	GoroutinePerConn bool
	// HTTP bounds the HTTP connections that are not (yet) WebSockets
	// (see HTTPServer).
	HTTP   HTTPLimits
	Logger *slog.Logger
}

// Validate reports a missing required field.
func (c *Config) Validate() error {
	switch {
	case c.Node == nil:
		return errors.New("transport: Config.Node is required")
	case len(c.Secret) == 0:
		return errors.New("transport: Config.Secret is required")
	}
	return nil
}

func (c *Config) defaults() {
	c.MaxFrameBytes = orDefault(c.MaxFrameBytes, 64<<10)
	c.OutboundQueue = orDefault(c.OutboundQueue, 1024)
	c.MaxConnsPerUser = orDefault(c.MaxConnsPerUser, 64)
	c.PingInterval = orDefaultD(c.PingInterval, 30*time.Second)
	c.PongTimeout = orDefaultD(c.PongTimeout, 15*time.Second)
	c.WriteTimeout = orDefaultD(c.WriteTimeout, 10*time.Second)
	c.SocketSendBuffer = orDefault(c.SocketSendBuffer, 128<<10)
	c.HTTP.defaults()
	if c.Gatherer == nil {
		c.Gatherer = prometheus.DefaultGatherer
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func orDefaultD(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// Server serves /ws, the health endpoints, /metrics and the query API.
type Server struct {
	cfg      Config
	m        *serverMetrics
	draining atomic.Bool
	mu       sync.Mutex
	// conns lists the tracked connections, each at its wsConn.slot (a
	// list, not a map by id: 8 bytes a connection, issue #17). Each
	// user's count, for MaxConnsPerUser, is kept by the node, in the
	// user's entry (actors.Node.AdmitUser: a map of counts here cost ~50
	// bytes per user).
	conns []*wsConn
	// sock is what every socket of this server shares.
	sock     socketConfig
	stop     chan struct{}
	stopOnce sync.Once
	poll     poller
	limiter  *connLimiter
	writers  *writerPool // nil with FlushGoroutines
}

// New builds a server and starts its keepalive loop.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.defaults()
	s := &Server{cfg: cfg, m: newServerMetrics(cfg.Metrics), stop: make(chan struct{})}
	s.limiter = newConnLimiter(cfg.HTTP.MaxConns, cfg.HTTP.MaxConnsPerAddr, s.m)
	if !cfg.GoroutinePerConn {
		s.poll, _ = newPoller(func(c *wsConn) { c.readReady() }) // nil: fall back to a goroutine per connection
	}
	if !cfg.FlushGoroutines {
		s.writers = newWriterPool(cfg.Writers)
	}
	s.sock = socketConfig{pool: s.writers, max: cfg.OutboundQueue, timeout: cfg.WriteTimeout, direct: cfg.DirectWrites}
	go s.keepalive()
	return s, nil
}

// Handler routes every endpoint of PROTOCOL.md on one port.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok") })
	mux.HandleFunc("GET /readyz", s.serveReady)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /v1/admin/revoke", s.serveRevoke)
	if s.cfg.Query != nil {
		mux.Handle("/v1/", s.cfg.Query)
	}
	return mux
}

func (s *Server) serveReady(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		writeText(w, http.StatusServiceUnavailable, "draining")
		return
	}
	writeText(w, http.StatusOK, "ready")
}

func writeText(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body + "\n"))
}

// Drain makes /readyz answer 503 and refuses new WebSockets; open ones are
// left to the node's Shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

// Close stops the keepalive loop.
func (s *Server) Close() {
	s.stopOnce.Do(func() {
		close(s.stop)
		if s.poll != nil {
			s.poll.close()
		}
		if s.writers != nil {
			s.writers.stop()
		}
	})
}

// track registers a connection of user, refusing it past the per-user
// limit.
func (s *Server) track(c *wsConn, user string) bool {
	if !s.cfg.Node.AdmitUser(user, s.cfg.MaxConnsPerUser) {
		c.slot = -1
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.slot = int32(len(s.conns))
	s.conns = append(s.conns, c)
	s.m.open.Inc()
	return true
}

// forget unregisters a connection of user: the last one listed takes its
// slot. Idempotent.
func (s *Server) forget(c *wsConn, user string) {
	if s.unlist(c) {
		s.cfg.Node.ReleaseUser(user)
	}
}

// unlist takes c off the list, and reports whether it was on it.
func (s *Server) unlist(c *wsConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.slot < 0 {
		return false
	}
	last := len(s.conns) - 1
	moved := s.conns[last]
	s.conns[c.slot], moved.slot = moved, c.slot
	s.conns[last] = nil
	s.conns = s.conns[:last]
	c.slot = -1
	if cap(s.conns) > 64 && len(s.conns) < cap(s.conns)/4 { // a drained node gives the list back
		s.conns = append([]*wsConn(nil), s.conns...)
	}
	s.m.open.Dec()
	return true
}

// keepalive pings connections that have been silent for PingInterval and
// closes those still silent PongTimeout later. One goroutine for all.
func (s *Server) keepalive() {
	t := time.NewTicker(max(s.cfg.PingInterval/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.sweep(now)
		}
	}
}

func (s *Server) sweep(now time.Time) {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		if c.life.Load()&connReady == 0 {
			continue // still upgrading
		}
		c.sock.trim()
		idle := now.Sub(time.Unix(0, c.lastSeen.Load()))
		switch {
		case idle > s.cfg.PingInterval+s.cfg.PongTimeout:
			s.m.pingTimeouts.Inc()
			c.end(errPingTimeout)
		case idle > s.cfg.PingInterval:
			c.sock.control(opPing, nil)
		}
	}
}

// Shutdown drains: readiness goes 503, no new WebSocket is accepted. The
// caller then shuts the node down, which closes every connection.
func (s *Server) Shutdown(context.Context) error {
	s.Drain()
	s.Close()
	return nil
}
