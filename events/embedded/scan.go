package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// pageBytes bounds the data held by one fetched page, so that a page of
// large events stays small; a page is cut short once it is passed.
const pageBytes = 4 << 20

// page is one fetched slice of events; more says a further query may find
// more (the page was full or cut short).
type page struct {
	evs  []events.RecordedEvent
	more bool
}

// fetch runs a query selecting eventColumns with a LIMIT of n (its last
// argument) and returns the rows, holding the connection only meanwhile.
func (s *Store) fetch(ctx context.Context, n int, query string, args ...any) (page, error) {
	rows, err := s.rdb.QueryContext(ctx, query, append(args, n)...)
	if err != nil {
		return page{}, err
	}
	defer rows.Close()
	var p page
	size := 0
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return page{}, err
		}
		p.evs = append(p.evs, ev)
		if size += len(ev.Data); size > pageBytes {
			return page{evs: p.evs, more: true}, rows.Err()
		}
	}
	p.more = len(p.evs) == n
	return p, rows.Err()
}

func scanEvent(rows *sql.Rows) (events.RecordedEvent, error) {
	var (
		ev       events.RecordedEvent
		pos, rev int64
		nanos    int64
		data     []byte
		metadata string
	)
	if err := rows.Scan(&pos, &ev.ID, &ev.Stream, &rev, &ev.Type, &nanos, &data, &metadata); err != nil {
		return ev, err
	}
	ev.Position, ev.Revision = uint64(pos), uint64(rev)
	ev.Time = time.Unix(0, nanos).UTC()
	ev.Data = json.RawMessage(data)
	if metadata != "{}" {
		if err := json.Unmarshal([]byte(metadata), &ev.Metadata); err != nil {
			return ev, fmt.Errorf("metadata of position %d: %w", pos, err)
		}
	}
	return ev, nil
}

// pageLimit is the row limit of the next query given what is left of a
// caller's limit (0: none).
func (s *Store) pageLimit(left int, limited bool) int {
	if limited && left < s.cfg.PageSize {
		return left
	}
	return s.cfg.PageSize
}
