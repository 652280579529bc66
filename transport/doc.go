// Package transport is linkup's wire layer: HTTP and WebSocket (gobwas/ws),
// the handshake and its token auth, header parsing, the socket's read and
// write paths (client frames decoded by protocol.Decode and handed to the
// actors, server frames encoded by protocol.Encode), and the query API's
// HTTP handlers.
//
// It imports actors, events and protocol and picks no store.
package transport
