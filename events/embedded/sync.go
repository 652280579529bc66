package embedded

import (
	"log/slog"

	"modernc.org/sqlite"
)

// chooseSync sets the system call with which SQLite makes a commit
// durable: fdatasync(2) unless withFsync. SQLite builds for Linux use
// fdatasync wherever it exists; the pure-Go library keeps fsync unless told
// (sqlite.Fdatasync). Where fdatasync is not available (macOS, Windows)
// SQLite keeps its own choice, which is as durable.
func chooseSync(withFsync bool, log *slog.Logger) {
	if _, err := sqlite.Fdatasync(!withFsync); err != nil {
		log.Debug("embedded: commits keep SQLite's default sync", "err", err)
	}
}
