package embedded

import (
	"strings"

	"github.com/linkup-chat/linkup/events"
)

// allQuery builds the paged query over the global log for filter f. Its
// arguments are: after, upTo, then the returned filter arguments, then the
// limit. Prefixes compare bytes (the stream cast to a blob), so any UTF-8
// prefix matches exactly as Filter.Matches does.
func allQuery(f events.Filter) (string, []any) {
	var b strings.Builder
	b.WriteString(selectEvents + "WHERE position > ? AND position <= ?")
	var args []any
	if len(f.StreamPrefixes) > 0 {
		b.WriteString(" AND stream_id IN (SELECT id FROM streams WHERE ")
		for i, p := range f.StreamPrefixes {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString("substr(CAST(name AS BLOB), 1, ?) = CAST(? AS BLOB)")
			args = append(args, len(p), p)
		}
		b.WriteString(")")
	}
	if len(f.EventTypes) > 0 {
		b.WriteString(" AND type IN (?" + strings.Repeat(",?", len(f.EventTypes)-1) + ")")
		for _, t := range f.EventTypes {
			args = append(args, t)
		}
	}
	b.WriteString(" ORDER BY position LIMIT ?")
	return b.String(), args
}
