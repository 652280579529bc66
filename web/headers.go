package web

import "net/http"

// contentSecurityPolicy lets the pages load only their own scripts, styles
// and images and talk only to their own origin (fetch and WebSocket): no
// inline script or style, no eval, no plugins, no framing, no base tag.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every page and asset carries.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	// Always revalidate (the ETag makes that a 304): a new binary's pages
	// and scripts are never mixed with cached ones of an old binary.
	h.Set("Cache-Control", "no-cache")
}
