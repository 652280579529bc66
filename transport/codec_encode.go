package transport

import (
	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/protocol"
)

// JSONEncoder is the actors.Encoder of the wire format: protocol.Encode.
// Safe for concurrent use.
type JSONEncoder struct{}

var _ actors.Encoder = JSONEncoder{}

// Encode returns {"type":"<type>", ...fields}.
func (JSONEncoder) Encode(f protocol.Frame) ([]byte, error) { return protocol.Encode(f) }
