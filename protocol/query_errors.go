package protocol

import "errors"

// ErrUnknownItem is returned by a read model's Deliveries for an item it
// does not hold (an unknown chat or seq, or one not projected yet):
// GET /v1/deliveries answers 404 not_found.
var ErrUnknownItem = errors.New("no such timeline item")
