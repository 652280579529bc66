package transport

import (
	"errors"

	"github.com/linkup-chat/linkup/protocol"
)

var (
	// ErrUnauthorized is returned by VerifyToken and the handshake when the
	// token is missing, malformed, expired or wrongly signed (HTTP 401).
	ErrUnauthorized = errors.New("unauthorized")

	// ErrForbidden is returned by the query API's auth check when a valid
	// token lacks the analyst role (HTTP 403).
	ErrForbidden = errors.New("forbidden")

	// ErrUnknownItem is returned by a DeliveriesBackend for an item the
	// read model does not hold (an unknown chat or seq, or one not
	// projected yet): HTTP 404 not_found. It is protocol.ErrUnknownItem,
	// which the read models return.
	ErrUnknownItem = protocol.ErrUnknownItem
)
