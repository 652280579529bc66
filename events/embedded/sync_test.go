package embedded_test

import (
	"runtime"
	"testing"

	"github.com/linkup-chat/linkup/events/embedded"
	"modernc.org/sqlite"
)

// TestCommitSyncCall checks that a writable store makes SQLite commit with
// fdatasync(2) by default and with fsync(2) when SyncWithFsync asks for it.
func TestCommitSyncCall(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("fdatasync is chosen on Linux")
	}
	defer sqlite.Fdatasync(false)
	st := open(t, embedded.Config{Dir: t.TempDir()})
	st.Close()
	if !sqlite.FdatasyncEnabled() {
		t.Fatal("default store: SQLite commits with fsync, want fdatasync")
	}
	st = open(t, embedded.Config{Dir: t.TempDir(), SyncWithFsync: true})
	st.Close()
	if sqlite.FdatasyncEnabled() {
		t.Fatal("SyncWithFsync: SQLite commits with fdatasync, want fsync")
	}
}
