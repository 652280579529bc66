package jsonenc

import (
	"strconv"
	"time"
)

// Uint appends v as a JSON number.
func Uint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }

// Int appends v as a JSON number.
func Int(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

// Time appends t as time.Time.MarshalJSON writes it (RFC 3339 with
// nanoseconds, quoted). It reports false, leaving dst as it was, for the
// times MarshalJSON refuses (a year outside [0,9999], a zone offset of 24
// hours or more): the caller then encodes with encoding/json, which returns
// the error.
func Time(dst []byte, t time.Time) ([]byte, bool) {
	n0 := len(dst)
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	b := dst[n0+1:]
	switch {
	case len(b) < len("9999-") || b[len("9999")] != '-':
		return dst[:n0], false
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		h := 10*(b[len(b)-len("07:00")]-'0') + (b[len(b)-len("7:00")] - '0')
		if ('0' <= c && c <= '9') || h >= 24 {
			return dst[:n0], false
		}
	}
	return append(dst, '"'), true
}
