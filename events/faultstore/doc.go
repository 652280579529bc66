// Package faultstore wraps an events.Store and injects faults into its
// appends: added latency, errors, and stalls that block until released or
// until the caller's context ends. Reads, subscriptions, Head and Close pass
// through unchanged. It exists for reliability tests: a node built on a
// faultstore shows what clients see while the disk is full, failing or
// stuck, and that nothing accepted before the fault is lost.
//
//	fs := faultstore.New(inner)
//	fs.Stall()          // appends now block
//	...                 // clients get `unavailable`, ping still answers
//	fs.Restore()        // stalled appends proceed, new ones go through
//	fs.FailAppends(nil) // appends now fail with ErrInjected
package faultstore
