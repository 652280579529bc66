package transport

import "errors"

var (
	// ErrUnauthorized is returned by VerifyToken and the handshake when the
	// token is missing, malformed, expired or wrongly signed (HTTP 401).
	ErrUnauthorized = errors.New("unauthorized")

	// ErrForbidden is returned by the query API's auth check when a valid
	// token lacks the analyst role (HTTP 403).
	ErrForbidden = errors.New("forbidden")
)
