package projections

import (
	"errors"

	"github.com/linkup-chat/linkup/protocol"
)

var (
	// ErrPoison is wrapped by a Projection's Apply when it cannot apply an
	// event (data that does not decode, a chat it never saw created, a
	// missing field). The runner records the event in projection_poison with
	// its position and reason, and skips it (see doc.go, "Poison events").
	ErrPoison = errors.New("projections: poison event")

	// ErrInvalidConfig is returned by NewRunner, OpenSQLite, OpenPostgres
	// and Rebuild when their Config does not validate.
	ErrInvalidConfig = errors.New("projections: invalid config")

	// ErrUnknownProjection is returned by Rebuild and ByName when no
	// projection has the requested name.
	ErrUnknownProjection = errors.New("projections: unknown projection")

	// ErrReadOnly is returned by a read model's write methods when it was
	// opened with ReadOnly set.
	ErrReadOnly = errors.New("projections: read model is read-only")

	// ErrSchemaTooNew is returned by OpenPostgres when the database holds a
	// schema version newer than this build's migrations: an older linkup
	// must not write into tables it does not know.
	ErrSchemaTooNew = errors.New("projections: read model schema is newer than this linkup")

	// ErrNoSchema is returned by a read-only OpenPostgres when the database
	// has no linkup read model (no server has run against it yet).
	ErrNoSchema = errors.New("projections: no linkup read model in this database")

	// ErrUnknownItem is returned by Deliveries when the chat has no
	// timeline item with that seq in the read model (unknown, or not
	// projected yet). It is protocol.ErrUnknownItem, so the query API
	// answers 404 without a translation.
	ErrUnknownItem = protocol.ErrUnknownItem
)
