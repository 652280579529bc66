//go:build !unix

package embedded

import (
	"os"
	"path/filepath"
)

// lockDir only creates the lock file where flock is unavailable: on these
// systems nothing stops two writers, so run one.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "events.db.lock"), os.O_CREATE|os.O_RDWR, 0o644)
}
