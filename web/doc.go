// Package web serves linkup's pages from files embedded in the binary
// (go:embed), so `linkup serve` needs nothing beside itself: the browser
// chat at /, the analyst console at /console and the incident view at
// /incident, with their scripts and styles under /static/.
//
// The pages are plain ES modules and CSS, no build step. They talk to the
// server only through the public contract: the WebSocket at /ws (token as
// the bearer.<token> subprotocol) and the analyst API under /v1/ (token in
// an Authorization header from fetch). Tokens live in sessionStorage, never
// in a URL; everything that comes from the server is put into the page as
// text (textContent, never innerHTML).
//
// Every answer carries a Content-Security-Policy without inline scripts or
// styles, X-Content-Type-Options: nosniff, no framing, no referrer, and
// Cache-Control: no-cache with a content ETag (always revalidated, so a new
// binary's pages are never mixed with an old one's).
//
// Usage (cmd/linkup/serve.go):
//
//	hs := &http.Server{Handler: web.Compose(srv.Handler())}
//
// Compose routes the pages to Handler() and everything else (/ws, /v1/,
// /healthz, /readyz, /metrics) to the handler it is given.
package web
