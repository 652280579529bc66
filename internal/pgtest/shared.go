//go:build linux

package pgtest

import (
	"os"
	"sync"
	"testing"
)

// shared is the package's one server, started by the first Shared call.
var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Shared returns the test package's server, starting it on first use. Main
// stops it when the package's tests end; without Main it dies with the test
// process (the server is started with a parent-death signal), leaving its
// temporary directory behind.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() { shared.srv, shared.err = start() })
	if shared.err != nil {
		unavailable(t, "%v", shared.err)
	}
	return shared.srv
}

// Main runs the package's tests and then stops the shared server. Use it as
// TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops the package's server if a test started it: for a
// TestMain that has more to do than Main.
func StopShared() {
	if shared.srv != nil {
		shared.srv.Stop()
	}
}
