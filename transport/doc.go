// Package transport is linkup's wire layer: HTTP and WebSocket (gobwas/ws),
// the handshake and its token auth, header parsing, the JSON codec between
// frames and the actors' typed messages, and the query API's HTTP handlers.
//
// It imports actors and events and picks no store.
package transport
