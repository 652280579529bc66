package embedded

import "errors"

var (
	// ErrNoStore is returned by Open with ReadOnly set when the directory
	// holds no database file (nothing was ever appended there).
	ErrNoStore = errors.New("embedded: no event store in this directory")

	// ErrLocked is returned by Open (not ReadOnly) when another writable
	// Store, in this process or another, already holds the directory.
	ErrLocked = errors.New("embedded: event store is locked by another writer")
)
