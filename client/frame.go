package client

import (
	"encoding/json"

	"github.com/gobwas/ws"

	"github.com/linkup-chat/linkup/protocol"
)

// Frame is one server frame: its type and its fields.
type Frame struct {
	Type   string
	Fields map[string]any
	Raw    []byte
	Binary bool
}

func parseFrame(data []byte, op ws.OpCode) (Frame, error) {
	f := Frame{Raw: data, Binary: op == ws.OpBinary}
	if err := json.Unmarshal(data, &f.Fields); err != nil {
		return f, err
	}
	f.Type, _ = f.Fields["type"].(string)
	return f, nil
}

// Ref is the frame's ref, or "".
func (f Frame) Ref() string { return f.Str("ref") }

// Str returns a string field.
func (f Frame) Str(name string) string {
	s, _ := f.Fields[name].(string)
	return s
}

// Num returns a numeric field (JSON numbers decode as float64).
func (f Frame) Num(name string) float64 {
	n, _ := f.Fields[name].(float64)
	return n
}

// Err returns an `error` frame as a coded error, or nil for any other
// frame.
func (f Frame) Err() *protocol.Error {
	if f.Type != "error" {
		return nil
	}
	return &protocol.Error{Code: protocol.Code(f.Str("code")), Message: f.Str("message")}
}

// Decode unmarshals the frame into v (a protocol frame struct, say).
func (f Frame) Decode(v any) error { return json.Unmarshal(f.Raw, v) }

// Is returns a matcher for frames of type t (and ref, when given).
func Is(t string, ref ...string) func(Frame) bool {
	return func(f Frame) bool {
		return f.Type == t && (len(ref) == 0 || f.Ref() == ref[0])
	}
}
