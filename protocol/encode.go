package protocol

import (
	"encoding/json"
	"fmt"
)

// Encode returns a server frame as its wire bytes: the frame's JSON object
// with "type" first, {"type":"<type>", ...fields} (clients and the load
// tool may read the type from the first bytes). Safe for concurrent use.
func Encode(f Frame) ([]byte, error) {
	if b, ok := encodeFast(f); ok {
		return b, nil
	}
	return encodeTyped(f.FrameType(), f)
}

// EncodeCommand returns a client command as its wire bytes, "type" first
// like Encode. Decode(EncodeCommand(c)) is c again.
func EncodeCommand(c Command) ([]byte, error) { return encodeTyped(c.CommandType(), c) }

func encodeTyped(typ string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("protocol: encode %s: %w", typ, err)
	}
	out := make([]byte, 0, len(body)+len(typ)+12)
	out = append(out, `{"type":`...)
	out = appendJSONString(out, typ)
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
