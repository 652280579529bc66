//go:build !race

package transport_test

// raceEnabled: this test binary runs without the race detector.
const raceEnabled = false
