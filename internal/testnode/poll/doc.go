// Package poll waits in tests for a condition instead of sleeping a fixed
// time: it checks the condition at once and then every few milliseconds
// until it holds or a timeout passes. It imports nothing of linkup, so the
// tests of every package (the stores' included) may use it.
//
//	poll.Until(t, 5*time.Second, "bob's ack", func() bool { return acked.Load() })
package poll
