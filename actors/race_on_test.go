//go:build race

package actors

// raceEnabled: this test binary runs under the race detector, which
// allocates on its own account.
const raceEnabled = true
