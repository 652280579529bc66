//go:build linux

package pgtest

import (
	"os"
	"testing"
)

// RequireEnv names the variable that turns a missing PostgreSQL from a
// skip into a failure.
const RequireEnv = "LINKUP_REQUIRE_POSTGRES"

// URLEnv names the variable holding an existing server's URL.
const URLEnv = "LINKUP_POSTGRES_URL"

// unavailable skips t, or fails it when RequireEnv is set, with reason.
func unavailable(t testing.TB, reason string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("PostgreSQL required ("+RequireEnv+"=1) but unavailable: "+reason, args...)
	}
	t.Skipf("PostgreSQL unavailable: "+reason, args...)
}
