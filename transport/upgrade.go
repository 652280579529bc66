package transport

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/gobwas/ws"
	"github.com/google/uuid"
	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

var (
	errPingTimeout    = errors.New("ping timeout")
	errClosedByServer = errors.New("closed by server")
	// errEndedInConnect: the connection ended (a failed write) while the
	// upgrade was in Connect.
	errEndedInConnect = errors.New("connection lost during the handshake")
)

// closeWait is how long the server waits for a client's close frame after
// sending its own.
const closeWait = 2 * time.Second

const opPing = ws.OpPing

// serveWS authenticates the upgrade request, upgrades it with gobwas/ws and
// hands the connection to a new connection actor. A refused handshake gets
// an HTTP status, no WebSocket, and an ErrorRecorded event.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		s.refuse(w, r, http.StatusServiceUnavailable, "server is draining; reconnect to another node", "", nil)
		return
	}
	claims, err := s.authenticate(r)
	if err != nil {
		s.refuse(w, r, http.StatusUnauthorized, err.Error(), "", err)
		return
	}
	if s.revoked(claims) {
		s.refuse(w, r, http.StatusUnauthorized, "unauthorized: token revoked", claims.Subject, nil)
		return
	}
	info := actors.ConnInfo{ConnectionID: uuid.NewString(), UserID: claims.Subject, Roles: claims.Roles,
		RemoteAddr: r.RemoteAddr, UserAgent: truncate(r.UserAgent(), 256)}
	if claims.ExpiresAt != nil {
		info.ExpiresAt = claims.ExpiresAt.Time
	}
	c := &wsConn{srv: s}
	if !s.track(c, info.UserID) {
		s.refuse(w, r, http.StatusTooManyRequests, "too many connections for this user", claims.Subject, nil)
		return
	}
	if !s.upgrade(w, r, c, info) {
		s.forget(c, info.UserID)
	}
}

func (s *Server) authenticate(r *http.Request) (*Claims, error) {
	tok, _, ok := findToken(r)
	if !ok {
		return nil, errors.Join(ErrUnauthorized, errors.New("no well-formed bearer token in Authorization, ?token= or Sec-WebSocket-Protocol"))
	}
	return VerifyToken(s.cfg.Secret, tok)
}

func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, c *wsConn, info actors.ConnInfo) bool {
	u := ws.HTTPUpgrader{Timeout: 5 * time.Second, Protocol: func(p string) bool { return p == protocol.Protocol }}
	conn, rw, _, err := u.Upgrade(r, w)
	if err != nil {
		s.m.handshakeFailures.WithLabelValues("upgrade").Inc()
		s.cfg.Node.RecordError(events.ErrorRecorded{ErrorType: "handshake_failed", Severity: events.SeverityLow,
			Message: "WebSocket upgrade failed: " + err.Error(), User: info.UserID,
			Context: map[string]any{"remote_addr": r.RemoteAddr}})
		return false
	}
	if rw != nil && rw.Reader.Buffered() > 0 {
		_ = conn.Close() // a client may not send frames before the handshake answer
		return false
	}
	_ = conn.SetDeadline(time.Time{}) // the HTTP server's timeouts end here: a WebSocket has its own
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(s.cfg.SocketSendBuffer)
		if s.poll != nil { // watched by the server's epoll: Go's netFD is not needed (fdconn_linux.go)
			conn = detachFD(tc)
		}
	}
	c.sock = newSocket(conn, &s.sock, c)
	c.lastSeen.Store(time.Now().UnixNano())
	c.actor = s.cfg.Node.Connect(info, c.sock)
	if c.readyOrEnd() {
		c.startReading()
	}
	return true
}

// refuse answers a handshake with an HTTP error and records it. The event
// names which token carriers were present, never a token.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, code int, msg, user string, cause error) {
	s.m.handshakeFailures.WithLabelValues(http.StatusText(code)).Inc()
	ctx := map[string]any{"status": code, "remote_addr": r.RemoteAddr, "token_sources": presented(r)}
	s.cfg.Node.RecordError(events.ErrorRecorded{ErrorType: "handshake_refused", Severity: events.SeverityLow,
		Message: msg, User: user, Context: ctx})
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="linkup"`)
	}
	http.Error(w, msg, code)
}
