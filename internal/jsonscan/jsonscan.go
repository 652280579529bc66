// Package jsonscan reads the plain parts of a JSON text without
// reflection: whitespace, strings without escapes, unsigned integers. The
// hand-written decoders of hot frames (protocol) and events (projections)
// use it for the shapes they take; anything else they leave to
// encoding/json, so these functions only say "not plain" (ok false),
// never "invalid".
package jsonscan

import (
	"strconv"
	"unicode/utf8"
)

// SkipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// PlainString reads the JSON string starting at b[i] when it has no
// escapes and no control characters and is valid UTF-8: its contents and
// the index after its closing quote.
func PlainString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s = b[i+1 : j]
			return s, j + 1, utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// PlainUint reads the JSON integer starting at b[i] (digits, no sign,
// fraction or exponent, no leading zero) when it fits uint64.
func PlainUint(b []byte, i int) (v uint64, next int, ok bool) {
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == i || (b[i] == '0' && j-i > 1) {
		return 0, 0, false
	}
	if j < len(b) {
		switch b[j] {
		case '.', 'e', 'E':
			return 0, 0, false
		}
	}
	v, err := strconv.ParseUint(string(b[i:j]), 10, 64)
	return v, j, err == nil
}
