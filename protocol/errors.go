package protocol

import (
	"errors"
	"fmt"
)

// Code is an error code a client sees in an `error` frame (PROTOCOL.md
// section 5). Codes are values, not strings to parse.
type Code string

// The error codes of PROTOCOL.md section 5, each declared here only.
// Package chat (which may not import the wire) refuses commands with its
// own chat.Code whose values are a subset of these; actors converts them at
// the edge, and a test there checks each one is a Code below.
const (
	CodeInvalidJSON      Code = "invalid_json"
	CodeInvalidPayload   Code = "invalid_payload"
	CodeUnknownType      Code = "unknown_type"
	CodeUnsupportedFrame Code = "unsupported_frame"
	CodeNotMember        Code = "not_member"
	CodeNotFound         Code = "not_found"
	CodeConflict         Code = "conflict"
	CodeForbidden        Code = "forbidden" // v1.1
	CodeRateLimited      Code = "rate_limited"
	CodeUnavailable      Code = "unavailable"
	CodeInternal         Code = "internal"
)

// Codes lists every error code, in the order of PROTOCOL.md.
var Codes = []Code{
	CodeInvalidJSON, CodeInvalidPayload, CodeUnknownType, CodeUnsupportedFrame,
	CodeNotMember, CodeNotFound, CodeConflict, CodeForbidden,
	CodeRateLimited, CodeUnavailable, CodeInternal,
}

// Known reports whether c is one of Codes.
func (c Code) Known() bool {
	for _, k := range Codes {
		if c == k {
			return true
		}
	}
	return false
}

// Error is a coded error for a client: Code for programs, Message for a
// person. Decode returns it for a frame it refuses; the server turns it
// into an `error` frame.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds a coded client error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as a coded client error; errors without a code become
// CodeInternal with a generic message (the detail stays in logs and events).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "internal error"}
}
