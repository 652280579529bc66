package actors

import (
	"errors"

	"github.com/linkup-chat/linkup/events"
)

func isNotFound(err error) bool { return errors.Is(err, events.ErrStreamNotFound) }
