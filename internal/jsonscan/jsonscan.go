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

// Members walks b when it is one JSON object (whitespace around it
// allowed) whose keys are plain strings: for each member, in order, it
// calls member with the key and the index where the value starts, and
// member returns the index just after the value, or ok false for a value
// it does not take. Members reports whether b was such an object and
// every member was taken; which keys are required, and whether one may
// repeat, is the caller's to check.
func Members(b []byte, member func(key []byte, at int) (next int, ok bool)) bool {
	i := SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = SkipSpace(b, i+1)
	for {
		key, j, ok := PlainString(b, i)
		if !ok {
			return false
		}
		if j = SkipSpace(b, j); j >= len(b) || b[j] != ':' {
			return false
		}
		k, ok := member(key, SkipSpace(b, j+1))
		if !ok {
			return false
		}
		if k = SkipSpace(b, k); k >= len(b) {
			return false
		}
		if b[k] == ',' {
			i = SkipSpace(b, k+1)
			continue
		}
		return b[k] == '}' && SkipSpace(b, k+1) == len(b)
	}
}
