package faultstore

import "errors"

// ErrInjected is returned by Store.Append while FailAppends(nil) is in
// force: the stand-in for a full or failing disk.
var ErrInjected = errors.New("faultstore: injected append failure")
