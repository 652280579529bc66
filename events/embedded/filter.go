package embedded

import (
	"fmt"
	"strings"

	"github.com/linkup-chat/linkup/events"
)

// allQuery builds the paged queries over the global log for filter f.
// Their arguments are: after (?1), upTo (?2), then the returned filter
// arguments, then the limit. Prefixes compare bytes (the stream cast to a
// blob), so any UTF-8 prefix matches exactly as Filter.Matches does.
//
// With event types, indexed finds the events through type_index and must
// be bounded by the indexed watermark (upTo at most the watermark: every
// event up to it is in type_index); beyond the watermark, plain scans the
// events in position order (see scan). Without, indexed is empty.
func allQuery(f events.Filter) (plain, indexed string, args []any) {
	param := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("?%d", len(args)+2)
	}
	var streams string
	if len(f.StreamPrefixes) > 0 {
		var b strings.Builder
		b.WriteString(" AND stream_id IN (SELECT id FROM streams WHERE ")
		for i, p := range f.StreamPrefixes {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString("substr(CAST(name AS BLOB), 1, " + param(len(p)) + ") = CAST(" + param(p) + " AS BLOB)")
		}
		b.WriteString(")")
		streams = b.String()
	}
	var types string
	if len(f.EventTypes) > 0 {
		ps := make([]string, len(f.EventTypes))
		for i, t := range f.EventTypes {
			ps[i] = param(t)
		}
		types = " IN (" + strings.Join(ps, ",") + ")"
	}
	limit := fmt.Sprintf(" LIMIT ?%d", len(args)+3)
	plain = selectEvents + "WHERE position > ?1 AND position <= ?2"
	if types != "" {
		plain += " AND type" + types
	}
	plain += streams + " ORDER BY position" + limit
	if types == "" {
		return plain, "", args
	}
	in := "SELECT t.position FROM type_index t"
	if streams != "" {
		in += " JOIN events ON events.position = t.position"
	}
	in += " WHERE t.type" + types + " AND t.position > ?1 AND t.position <= ?2" + streams + " ORDER BY t.position" + limit
	indexed = selectEvents + "WHERE position IN (" + in + ") ORDER BY position" + limit
	return plain, indexed, args
}
