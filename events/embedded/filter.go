package embedded

import (
	"fmt"
	"strings"

	"github.com/linkup-chat/linkup/events"
)

// allQuery builds the paged query over the global log for filter f. Its
// arguments are: after (?1), upTo (?2), then the returned filter
// arguments, then the limit. Prefixes compare bytes (the stream cast to a
// blob), so any UTF-8 prefix matches exactly as Filter.Matches does.
//
// With event types, the events are found through type_index up to the
// indexed watermark and by scanning the events past it (index.go), each
// part cut at the limit in position order (so the union holds the first
// limit matches), in one statement: one snapshot.
func allQuery(f events.Filter) (string, []any) {
	var args []any
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
	if len(f.EventTypes) == 0 {
		return selectEvents + "WHERE position > ?1 AND position <= ?2" + streams +
			fmt.Sprintf(" ORDER BY position LIMIT ?%d", len(args)+3), args
	}
	types := make([]string, len(f.EventTypes))
	for i, t := range f.EventTypes {
		types[i] = param(t)
	}
	in := " IN (" + strings.Join(types, ",") + ")"
	limit := fmt.Sprintf(" LIMIT ?%d", len(args)+3)
	indexed := "SELECT t.position FROM type_index t"
	if streams != "" {
		indexed += " JOIN events ON events.position = t.position"
	}
	indexed += " WHERE t.type" + in + " AND t.position > ?1 AND t.position <= ?2" + streams + " ORDER BY t.position" + limit
	tail := "SELECT position FROM events WHERE position > max(?1, " + markSQL + ") AND position <= ?2 AND type" + in +
		streams + " ORDER BY position" + limit
	return selectEvents + "WHERE position IN (SELECT position FROM (" + indexed + ") UNION ALL SELECT position FROM (" +
		tail + ")) ORDER BY position" + limit, args
}
