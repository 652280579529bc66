package esdb

import (
	"errors"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// This package returns the events package's sentinel errors
// (events.ErrWrongExpectedRevision, events.ErrStreamNotFound, ...), wrapped
// with the operation; the helpers below classify the client's errors.

// errStop is returned inside the subscription loop when the consumer
// stopped iterating. It never reaches a caller.
var errStop = errors.New("esdb: consumer stopped")

// code returns the client's error code of err, or ErrorCodeUnknown.
func code(err error) esdb.ErrorCode {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return esdb.ErrorCodeUnknown
}

// isNotFound reports a read of a stream that does not exist or was
// deleted: both mean "no events" to linkup.
func isNotFound(err error) bool {
	c := code(err)
	return c == esdb.ErrorCodeResourceNotFound || c == esdb.ErrorCodeStreamDeleted
}

// isDeadClient reports the error of a client whose connection state
// machine has given up (discovery failed): every later call fails the
// same way, so the store replaces the client.
func isDeadClient(err error) bool {
	return code(err) == esdb.ErrorCodeConnectionClosed
}
