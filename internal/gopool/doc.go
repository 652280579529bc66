// Package gopool runs functions on reused goroutines: a function goes to
// a goroutine parked waiting for one, or to a new goroutine when none is,
// and a goroutine that finishes parks for the next while fewer than a
// bound do. It saves what a goroutine per call costs on a hot path: the
// start, and above all the stack growth of a fresh 8 KB stack (copied at
// each doubling) for work that needs 16–32 KB — 7–11 % of the server's
// CPU in linkup's chats load before the chat actors and the socket
// readers used it (issue #17).
//
// A function is only ever handed to a goroutine that waits for one, never
// queued behind another: one that blocks holds up its own goroutine only,
// exactly as with a goroutine per call. Leaf package: standard library
// only.
package gopool
