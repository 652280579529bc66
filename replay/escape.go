package replay

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// word returns s as one safe word of text output: as it is when it is
// printable and has no blank, quote or '='; else Go-quoted, with every
// control character, invalid byte and bidi override escaped. Every string
// that comes from the log goes through word or preview before it reaches
// a terminal, so a stored id can neither forge an output line nor send
// escape sequences to the on-call person's terminal.
func word(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"=") || !printable(s) {
		return strconv.Quote(s)
	}
	return s
}

// line returns s unchanged when it is printable (blanks allowed), else
// Go-quoted: for whole phrases built from stored strings.
func line(s string) string {
	if printable(s) {
		return s
	}
	return strconv.Quote(s)
}

// printable reports whether s is valid UTF-8 with no control characters
// and no bidi formatting characters (which reorder what a terminal shows).
func printable(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError && isInvalid(s[i:]) {
			return false
		}
		if r != ' ' && !unicode.IsPrint(r) || unicode.Is(unicode.Bidi_Control, r) {
			return false
		}
	}
	return true
}

// isInvalid reports whether the rune at the start of s is an invalid
// encoding (not a literal U+FFFD).
func isInvalid(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	return size == 1
}

// SafeJSON escapes, inside JSON text b, the characters encoding/json lets
// through that still act on a terminal: DEL, the C1 controls and the bidi
// formatting characters, as \uXXXX (valid JSON: they can only stand in
// strings). b is returned as it is when it holds none.
func SafeJSON(b []byte) []byte {
	i := firstHigh(b)
	if i < 0 {
		return b
	}
	out := append([]byte(nil), b[:i]...)
	for _, r := range string(b[i:]) {
		if r == 0x7f || r >= 0x80 && r <= 0x9f || unicode.Is(unicode.Bidi_Control, r) {
			out = append(out, fmt.Sprintf(`\u%04x`, r)...)
			continue
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// firstHigh returns the index of the first byte of b at or above 0x7f,
// or -1: below it there is nothing for SafeJSON to do.
func firstHigh(b []byte) int {
	for i, c := range b {
		if c >= 0x7f {
			return i
		}
	}
	return -1
}
