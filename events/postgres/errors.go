package postgres

import "errors"

var (
	// ErrNoStore is returned by a read-only Open when the database holds no
	// linkup event log (no schema version table).
	ErrNoStore = errors.New("postgres: no linkup event log in this database")

	// ErrSchemaTooNew is returned by Open when the database's schema was
	// written by a newer linkup than this one.
	ErrSchemaTooNew = errors.New("postgres: database schema is newer than this linkup")

	// ErrUnavailable wraps every failure to reach or use PostgreSQL (down,
	// restarting, connection dropped, timeout): the operation did not
	// complete, or, for an Append, its outcome is unknown.
	ErrUnavailable = errors.New("postgres: database unavailable")

	// ErrBadURL is returned by Open when the connection URL does not parse.
	ErrBadURL = errors.New("postgres: malformed connection URL")
)
