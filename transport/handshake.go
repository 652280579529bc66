package transport

import (
	"net/http"
	"strings"
)

// tokenSource names where a token was found, for error events (never the
// token itself).
type tokenSource string

const (
	sourceHeader      tokenSource = "authorization_header"
	sourceQuery       tokenSource = "query"
	sourceSubprotocol tokenSource = "subprotocol"
)

// bearerPrefix is the subprotocol entry that carries a token.
const bearerPrefix = "bearer."

// findToken returns the first well-formed token the request presents, in
// PROTOCOL.md's order: Authorization header, ?token=, then the
// Sec-WebSocket-Protocol entry "bearer.<token>". Repeated headers and
// comma-joined values are split; odd casing of names and schemes is
// accepted; malformed entries are skipped.
func findToken(r *http.Request) (string, tokenSource, bool) {
	for _, v := range splitHeader(r.Header.Values("Authorization")) {
		if tok, ok := bearerValue(v); ok {
			return tok, sourceHeader, true
		}
	}
	for _, v := range r.URL.Query()["token"] {
		if wellFormed(v) {
			return v, sourceQuery, true
		}
	}
	for _, v := range splitHeader(r.Header.Values("Sec-WebSocket-Protocol")) {
		if len(v) > len(bearerPrefix) && strings.EqualFold(v[:len(bearerPrefix)], bearerPrefix) && wellFormed(v[len(bearerPrefix):]) {
			return v[len(bearerPrefix):], sourceSubprotocol, true
		}
	}
	return "", "", false
}

// splitHeader splits every value on commas and trims spaces.
func splitHeader(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// bearerValue parses "Bearer <token>" with any casing of the scheme.
func bearerValue(v string) (string, bool) {
	scheme, tok, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, wellFormed(tok)
}

// wellFormed reports whether s looks like a compact JWS: three non-empty
// base64url parts. The signature is checked later.
func wellFormed(s string) bool {
	if len(s) > 8192 {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") != "" {
			return false
		}
	}
	return true
}

// presented lists which token carriers a request had, for the error event
// of a refused handshake.
func presented(r *http.Request) []string {
	var out []string
	if len(r.Header.Values("Authorization")) > 0 {
		out = append(out, string(sourceHeader))
	}
	if r.URL.Query().Has("token") {
		out = append(out, string(sourceQuery))
	}
	if len(r.Header.Values("Sec-WebSocket-Protocol")) > 0 {
		out = append(out, string(sourceSubprotocol))
	}
	return out
}

// offersProtocol reports whether the client offered linkup.v1.
func offersProtocol(r *http.Request, name string) bool {
	for _, v := range splitHeader(r.Header.Values("Sec-WebSocket-Protocol")) {
		if strings.EqualFold(v, name) {
			return true
		}
	}
	return false
}
