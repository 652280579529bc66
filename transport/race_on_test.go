//go:build race

package transport_test

// raceEnabled: this test binary runs under the race detector, which slows
// every read enough for the poller's 200 µs watchdog to hand reads on.
const raceEnabled = true
