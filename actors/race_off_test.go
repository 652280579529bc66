//go:build !race

package actors

// raceEnabled: this test binary runs without the race detector.
const raceEnabled = false
