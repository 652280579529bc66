package transport

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/linkup-chat/linkup/protocol"
)

// RoleAdmin is the role the admin endpoints require.
const RoleAdmin = "admin"

type revokeRequest struct {
	User   string `json:"user"`
	Reason string `json:"reason"`
}

// serveRevoke is POST /v1/admin/revoke {"user": ID, "reason": "..."}: an
// admin revokes every token of a user issued so far and closes the user's
// connections (force_reconnect, reason admin). The user can connect again
// only with a token issued after the revocation.
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	claims, err := VerifyToken(s.cfg.Secret, requestToken(r))
	if err != nil {
		writeQueryError(w, http.StatusUnauthorized, protocol.APIErrorBody{Code: "unauthorized", Message: err.Error()})
		return
	}
	if !claims.HasRole(RoleAdmin) {
		writeQueryError(w, http.StatusForbidden, protocol.APIErrorBody{Code: "forbidden", Message: fmt.Sprintf("%v: revocation needs the %s role", ErrForbidden, RoleAdmin)})
		return
	}
	var req revokeRequest
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
	if json.Unmarshal(body, &req) != nil || req.User == "" {
		writeQueryError(w, http.StatusBadRequest, protocol.APIErrorBody{Code: "invalid_parameter", Parameter: "user", Message: `body must be {"user": "<id>", "reason": "..."}`})
		return
	}
	if err := s.cfg.Node.Revoke(r.Context(), req.User, truncate(req.Reason, 256), claims.Subject); err != nil {
		writeQueryError(w, http.StatusServiceUnavailable, protocol.APIErrorBody{Code: "unavailable", Message: "revocation not stored; retry"})
		return
	}
	at, _ := s.cfg.Node.RevokedAt(req.User)
	writeQueryJSON(w, http.StatusOK, map[string]any{"user": req.User, "revoked_at": at.Format(time.RFC3339Nano)})
}

// revoked reports whether claims were issued at or before the user's last
// revocation (tokens without iat count as issued before it).
func (s *Server) revoked(c *Claims) bool {
	at, ok := s.cfg.Node.RevokedAt(c.Subject)
	if !ok {
		return false
	}
	return c.IssuedAt == nil || !c.IssuedAt.After(at)
}
