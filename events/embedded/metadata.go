package embedded

import (
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/jsonenc"
)

// encodeMetadata returns md's JSON as json.Marshal writes it ({} when
// empty), without reflection: it ran at every append.
func encodeMetadata(md events.Metadata) string {
	if md == (events.Metadata{}) {
		return "{}"
	}
	var buf [192]byte
	b := append(buf[:0], '{')
	sep := ""
	for _, f := range [...]struct{ key, val string }{
		{`"correlation_id":`, md.CorrelationID}, {`"causation_id":`, md.CausationID}, {`"node":`, md.Node},
	} {
		if f.val == "" {
			continue
		}
		b = jsonenc.String(append(append(b, sep...), f.key...), f.val)
		sep = ","
	}
	return string(append(b, '}'))
}
