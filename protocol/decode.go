package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Decode turns one text frame into a client command. A frame that is not a
// valid command gets a coded error (invalid_json, invalid_payload,
// unknown_type) and, as the command, a BadFrame carrying that error and
// whatever ref and type could be read, so that the error frame echoes the
// client's ref. Decode never panics and never returns a nil command.
func Decode(frame []byte) (Command, *Error) {
	cmd := decode(frame)
	if bad, ok := cmd.(BadFrame); ok {
		return bad, bad.Err
	}
	return cmd, nil
}

// decode takes the fast path for the common send_message frame (see
// decodeSendFast) when its fields are within the limits; everything else,
// and every refusal, goes through decodeGeneric.
func decode(frame []byte) Command {
	if m, ok := decodeSendFast(frame); ok && len(m.Ref) <= maxRef {
		if cmd, err := checkLimits(m); err == nil {
			return cmd
		}
	}
	return decodeGeneric(frame)
}

func decodeGeneric(frame []byte) Command {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(frame, &fields); err != nil {
		return badFrame("", "", notObject(frame, err))
	}
	ref, err := optionalString(fields, "ref")
	if err != nil {
		return badFrame("", "", err)
	}
	typ, terr := requiredString(fields, "type")
	if err := tooLong("ref", ref, maxRef); err != nil {
		return badFrame("", truncate(typ, 64), err) // a ref over the maximum is never echoed
	}
	if terr != nil {
		return badFrame(ref, "", terr)
	}
	dec, ok := decoders[typ]
	if !ok {
		return badFrame(ref, truncate(typ, 64), Errorf(CodeUnknownType, "unknown message type %q", truncate(typ, 64)))
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

func badFrame(ref, typ string, err *Error) Command {
	return BadFrame{Ref: ref, FrameType: typ, Err: err}
}

// notObject tells apart a frame that is not JSON from JSON that is not an
// object (a list, say).
func notObject(frame []byte, err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) || json.Valid(frame) {
		return Errorf(CodeInvalidPayload, "a frame must be a JSON object, not %s", jsonKind(frame))
	}
	return Errorf(CodeInvalidJSON, "frame is not valid JSON")
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

func requiredString(fields map[string]json.RawMessage, name string) (string, *Error) {
	raw, ok := fields[name]
	if !ok || isNull(raw) {
		return "", Errorf(CodeInvalidPayload, "%s is required", name)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", Errorf(CodeInvalidPayload, "%s must be a string", name)
	}
	return s, nil
}

func optionalString(fields map[string]json.RawMessage, name string) (string, *Error) {
	if raw, ok := fields[name]; !ok || isNull(raw) {
		return "", nil
	}
	return requiredString(fields, name)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// require checks that every named field is present and not null.
func require(fields map[string]json.RawMessage, names ...string) *Error {
	for _, n := range names {
		if raw, ok := fields[n]; !ok || isNull(raw) {
			return Errorf(CodeInvalidPayload, "%s is required", n)
		}
	}
	return nil
}

// into decodes the frame into a command struct, naming the offending field
// when a value has the wrong type.
func into[T Command](frame []byte, fields map[string]json.RawMessage, required ...string) (Command, *Error) {
	if err := require(fields, required...); err != nil {
		return nil, err
	}
	var cmd T
	if err := json.Unmarshal(frame, &cmd); err != nil {
		return nil, fieldError(err)
	}
	return cmd, nil
}

func fieldError(err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return Errorf(CodeInvalidPayload, "%s must be %s", te.Field, expected(te.Type.String()))
	}
	return Errorf(CodeInvalidPayload, "invalid field value")
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
