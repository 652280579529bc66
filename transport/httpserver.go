package transport

import (
	"log/slog"
	"net/http"
	"time"
)

// HTTPLimits bound every HTTP connection until it is upgraded to a
// WebSocket (PROTOCOL.md section 3). Zero values mean the defaults.
type HTTPLimits struct {
	// RequestTimeout closes a connection whose request has not arrived
	// whole (headers and body) this long after the connection opened, or,
	// on a kept-alive connection, after the request's first byte
	// (default 10s).
	RequestTimeout time.Duration
	// IdleTimeout closes a kept-alive connection idle this long between
	// requests (default 30s).
	IdleTimeout time.Duration
	// WriteTimeout bounds a response, from the end of its request's
	// headers (default 30s).
	WriteTimeout time.Duration
	// MaxConns caps the connections not upgraded, in total (default
	// 4096); MaxConnsPerAddr per source IP (default 256). At a cap the
	// oldest idle one is closed, not the new one (see connLimiter).
	MaxConns        int
	MaxConnsPerAddr int
}

func (h *HTTPLimits) defaults() {
	h.RequestTimeout = orDefaultD(h.RequestTimeout, 10*time.Second)
	h.IdleTimeout = orDefaultD(h.IdleTimeout, 30*time.Second)
	h.WriteTimeout = orDefaultD(h.WriteTimeout, 30*time.Second)
	h.MaxConns = orDefault(h.MaxConns, 4096)
	h.MaxConnsPerAddr = orDefault(h.MaxConnsPerAddr, 256)
}

// maxHeaderBytes bounds a request's headers (a token is at most 8 KiB and
// may come twice); Go's default, 1 MiB, times MaxConns is too much memory.
const maxHeaderBytes = 32 << 10

// HTTPServer returns an http.Server for Handler with every connection
// bounded by Config.HTTP: timeouts on reading a request, on idling
// between requests and on writing a response, and the connection caps.
// None of it reaches an upgraded WebSocket: hijacking clears the
// deadlines and uncounts the connection. `linkup serve` and
// internal/testnode both serve with it. Every call shares the caps.
func (s *Server) HTTPServer() *http.Server {
	h := s.cfg.HTTP
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: h.RequestTimeout,
		ReadTimeout:       h.RequestTimeout,
		WriteTimeout:      h.WriteTimeout,
		IdleTimeout:       h.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         s.limiter.connState,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
}
