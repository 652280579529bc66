//go:build race

package projections

// raceEnabled: this test binary runs under the race detector, which makes
// applying thousands of events take tens of seconds on a loaded machine.
const raceEnabled = true
