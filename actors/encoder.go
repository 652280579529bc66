package actors

import "github.com/linkup-chat/linkup/protocol"

// Encoder turns frames into wire bytes. Implementations must be safe for
// concurrent use; the returned slice is never modified afterwards, so it may
// be shared by every connection a frame fans out to.
type Encoder interface {
	Encode(f protocol.Frame) ([]byte, error)
}
