// Package gopool runs functions on reused goroutines: a function goes to
// the goroutine parked last, or to a new goroutine when none is, and a
// goroutine that finishes parks for the next while fewer than a bound
// do. It saves what a goroutine per call costs on a hot path: the start,
// and above all the stack growth of a fresh stack (2–8 KB, copied at each
// doubling, every frame pointer adjusted) for work that needs 8–16 KB —
// 7–11 % of the server's CPU in linkup's chats load before the chat
// actors and the socket readers used it (issue #17).
//
// Parked goroutines keep their grown stacks: each parks inside a frame
// holding a quarter of KeepStack, so the garbage collector, which halves
// the stack of a goroutine using less than a quarter of it, leaves a
// KeepStack stack alone (ballast.go). Before, every GC cycle halved the
// stacks of the parked goroutines and their next run grew them back.
//
// The last goroutine parked is the first handed a function (a stack), so
// a steady stream keeps only as many goroutines busy as it needs, and
// the others, at the bottom, expire: a goroutine parked for IdleFor
// exits. Memory: at most maxIdle × KeepStack per pool under bursts of
// maxIdle functions at once, nothing once the pool has been idle for
// IdleFor.
//
// A function is only ever handed to a goroutine that waits for one, never
// queued behind another: one that blocks holds up its own goroutine only,
// exactly as with a goroutine per call. Leaf package: standard library
// only.
package gopool
