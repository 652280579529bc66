package poll

import (
	"testing"
	"time"
)

// Every is how often Until and Within check their condition.
const Every = 10 * time.Millisecond

// Until fails the test unless cond holds within timeout. what names the
// awaited state in the failure message.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Within(timeout, cond) {
		t.Fatalf("%s: not within %v", what, timeout)
	}
}

// Within reports whether cond held within timeout, for a test that goes on
// (or fails with its own message) when it did not.
func Within(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(Every)
	defer tick.Stop()
	for !cond() {
		if !time.Now().Before(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}
