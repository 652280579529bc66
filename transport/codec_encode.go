package transport

import (
	"encoding/json"
	"fmt"

	"github.com/linkup-chat/linkup/actors"
)

// JSONEncoder is the actors.Encoder of the wire format: a frame's JSON
// object with "type" first. Safe for concurrent use.
type JSONEncoder struct{}

var _ actors.Encoder = JSONEncoder{}

// Encode returns {"type":"<type>", ...fields}.
func (JSONEncoder) Encode(f actors.Frame) ([]byte, error) {
	body, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("transport: encode %s: %w", f.FrameType(), err)
	}
	out := make([]byte, 0, len(body)+len(f.FrameType())+12)
	out = append(out, `{"type":`...)
	out = appendJSONString(out, f.FrameType())
	if len(body) > 2 {
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

// appendJSONString appends s quoted; frame type names are plain ASCII.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
