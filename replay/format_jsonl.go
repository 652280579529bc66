package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// writeJSONL writes one line: position, at, stream, type, data, id,
// revision, metadata, stored_at. It appends by hand rather than through
// json.Marshal, which would re-validate and re-compact every event's data
// (a third of the scan's time); data is passed through as stored, compacted
// only if it holds a newline.
func writeJSONL(bw *bufio.Writer, e Entry) error {
	buf := bw.AvailableBuffer()
	buf = append(buf, `{"position":`...)
	buf = strconv.AppendUint(buf, e.Rec.Position, 10)
	buf = appendTime(append(buf, `,"at":`...), e.At)
	buf = appendString(append(buf, `,"stream":`...), e.Rec.Stream)
	buf = appendString(append(buf, `,"type":`...), e.Rec.Type)
	buf = appendData(append(buf, `,"data":`...), e.Rec.Data)
	buf = appendString(append(buf, `,"id":`...), e.Rec.ID)
	buf = strconv.AppendUint(append(buf, `,"revision":`...), e.Rec.Revision, 10)
	buf = appendMetadata(append(buf, `,"metadata":`...), e.Rec.Metadata)
	buf = appendTime(append(buf, `,"stored_at":`...), e.Rec.Time)
	_, err := bw.Write(SafeJSON(append(buf, "}\n"...)))
	return err
}

func appendTime(buf []byte, t time.Time) []byte {
	buf = append(buf, '"')
	buf = t.UTC().AppendFormat(buf, time.RFC3339Nano)
	return append(buf, '"')
}

// appendString appends s as a JSON string, as encoding/json would.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

func appendData(buf []byte, data json.RawMessage) []byte {
	if len(data) == 0 {
		return append(buf, "null"...)
	}
	if bytes.ContainsAny(data, "\n\r") {
		var c bytes.Buffer
		if json.Compact(&c, data) == nil {
			return append(buf, c.Bytes()...)
		}
		b, _ := json.Marshal(string(data)) // not JSON at all: keep it, as a string
		return append(buf, b...)
	}
	return append(buf, data...)
}

func appendMetadata(buf []byte, md events.Metadata) []byte {
	buf = append(buf, '{')
	sep := ""
	for _, f := range [...]struct{ k, v string }{{"correlation_id", md.CorrelationID}, {"causation_id", md.CausationID}, {"node", md.Node}} {
		if f.v != "" {
			buf = appendString(append(append(buf, sep...), `"`+f.k+`":`...), f.v)
			sep = ","
		}
	}
	return append(buf, '}')
}
