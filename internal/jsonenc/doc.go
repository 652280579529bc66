// Package jsonenc appends JSON values to a byte slice exactly as
// encoding/json encodes them (strings with HTML-safe escapes and U+FFFD for
// invalid UTF-8, times as time.Time.MarshalJSON writes them), without
// reflection and without an allocation per value. Package events encodes
// its hot event types with it, the embedded store its metadata, and
// package protocol its hot frames (message, ack):
// encoding/json's reflection, and the validation it makes of every
// MarshalJSON result, were a visible share of the CPU of each append
// (issue #17).
//
// Each function's output is byte for byte what encoding/json.Marshal
// gives for the same value; the tests compare them on random and edge-case
// inputs.
package jsonenc
