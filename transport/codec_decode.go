package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/linkup-chat/linkup/actors"
)

// Decode turns one text frame into a client command. It never fails: a
// frame that is not a valid command becomes an actors.BadFrame carrying the
// coded error (invalid_json, invalid_payload, unknown_type) and whatever ref
// and type could be read, so the client's error frame echoes its ref.
func Decode(frame []byte) actors.Command {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(frame, &fields); err != nil {
		return badFrame("", "", notObject(frame, err))
	}
	ref, err := optionalString(fields, "ref")
	if err != nil {
		return badFrame("", "", err)
	}
	typ, err := requiredString(fields, "type")
	if err != nil {
		return badFrame(ref, "", err)
	}
	if err := tooLong("ref", ref, maxRef); err != nil {
		return badFrame("", truncate(typ, 64), err) // a ref over the maximum is not echoed
	}
	dec, ok := decoders[typ]
	if !ok {
		return badFrame(ref, truncate(typ, 64), actors.Errorf(actors.CodeUnknownType, "unknown message type %q", truncate(typ, 64)))
	}
	cmd, derr := dec(frame, fields)
	if derr == nil {
		cmd, derr = checkLimits(cmd)
	}
	if derr != nil {
		return badFrame(ref, typ, derr)
	}
	return cmd
}

func badFrame(ref, typ string, err *actors.Error) actors.Command {
	return actors.BadFrame{Ref: ref, FrameType: typ, Err: err}
}

// notObject tells apart a frame that is not JSON from JSON that is not an
// object (a list, say).
func notObject(frame []byte, err error) *actors.Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) || json.Valid(frame) {
		return actors.Errorf(actors.CodeInvalidPayload, "a frame must be a JSON object, not %s", jsonKind(frame))
	}
	return actors.Errorf(actors.CodeInvalidJSON, "frame is not valid JSON")
}

func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "empty"
	}
	switch b[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	default:
		return "a number"
	}
}

func requiredString(fields map[string]json.RawMessage, name string) (string, *actors.Error) {
	raw, ok := fields[name]
	if !ok || isNull(raw) {
		return "", actors.Errorf(actors.CodeInvalidPayload, "%s is required", name)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", actors.Errorf(actors.CodeInvalidPayload, "%s must be a string", name)
	}
	return s, nil
}

func optionalString(fields map[string]json.RawMessage, name string) (string, *actors.Error) {
	if raw, ok := fields[name]; !ok || isNull(raw) {
		return "", nil
	}
	return requiredString(fields, name)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// require checks that every named field is present and not null.
func require(fields map[string]json.RawMessage, names ...string) *actors.Error {
	for _, n := range names {
		if raw, ok := fields[n]; !ok || isNull(raw) {
			return actors.Errorf(actors.CodeInvalidPayload, "%s is required", n)
		}
	}
	return nil
}

// into decodes the frame into a command struct, naming the offending field
// when a value has the wrong type.
func into[T actors.Command](frame []byte, fields map[string]json.RawMessage, required ...string) (actors.Command, *actors.Error) {
	if err := require(fields, required...); err != nil {
		return nil, err
	}
	var cmd T
	if err := json.Unmarshal(frame, &cmd); err != nil {
		return nil, fieldError(err)
	}
	return cmd, nil
}

func fieldError(err error) *actors.Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return actors.Errorf(actors.CodeInvalidPayload, "%s must be %s", te.Field, expected(te.Type.String()))
	}
	return actors.Errorf(actors.CodeInvalidPayload, "invalid field value")
}

func expected(goType string) string {
	switch goType {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "uint64":
		return "a non-negative integer"
	case "int":
		return "an integer"
	case "[]string":
		return "a list of strings"
	default:
		return fmt.Sprintf("of type %s", goType)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
