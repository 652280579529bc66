// Package lend lets a goroutine that is about to finish its own work
// offer itself for one more function, so that work handed over to "some
// other goroutine" while it ran is run there, right after, instead of
// waking a parked goroutine through the scheduler's run queue.
//
// The lender brackets its work with Offer and Settle, on one goroutine:
//
//	loan := lend.Offer()
//	defer loan.Settle()
//	work() // may call lend.Borrow(fn) deep down
//
// Borrow, called on the lending goroutine while the offer is open, keeps
// fn and reports true; Settle closes the offer and then runs fn. Borrow
// called on any other goroutine, after a first Borrow of the same offer,
// or outside any offer (also while Settle runs the borrowed function)
// reports false: the caller then hands fn over as it would have. So a
// lender runs at most one borrowed function per offer, and never nests
// one inside its own work (which may hold locks the function takes).
//
// In linkup the socket readers lend themselves (transport's epoll
// readers: a reader has read one frame and re-armed its socket, so its
// socket's next frame goes to another reader) and the chat actors'
// dispatcher borrows (actors/runners.go): the chat a reader's frame was
// posted to runs on the reader instead of on a runner woken for it,
// one goroutine wake-up less on every send's path (issue #17).
//
// Goroutines are told apart by their runtime id (github.com/petermattis/goid,
// read from the goroutine's g in a few nanoseconds). Offers live in a
// fixed table of slots indexed by that id; an offer whose slot is taken
// by another goroutine's open offer is simply not made (Borrow then
// reports false), so nothing allocates and nothing waits.
package lend
