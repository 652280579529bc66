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
// more (the page was full or cut short). ids holds each event's stream id
// until names.resolve turns it into the stream name.
type page struct {
	evs  []events.RecordedEvent
	ids  []int64
	more bool
}

// fetch runs a query selecting eventColumns with a LIMIT of n (its last
// argument) and returns the rows, holding the connection only meanwhile.
func (s *Store) fetch(ctx context.Context, n int, query string, args ...any) (page, error) {
	p, err := s.fetchRows(ctx, n, query, args)
	if err != nil {
		return page{}, err
	}
	if err := s.names.resolve(ctx, s.rdb, &p); err != nil {
		return page{}, err
	}
	return p, nil
}

func (s *Store) fetchRows(ctx context.Context, n int, query string, args []any) (page, error) {
	rows, err := s.stmts.query(ctx, query, append(args, n)...)
	if err != nil {
		return page{}, err
	}
	defer rows.Close()
	p := page{evs: make([]events.RecordedEvent, 0, min(n, 64)), ids: make([]int64, 0, min(n, 64))}
	var sc scanner
	size := 0
	for rows.Next() {
		ev, id, err := sc.scan(rows)
		if err != nil {
			return page{}, err
		}
		p.evs, p.ids = append(p.evs, ev), append(p.ids, id)
		if size += len(ev.Data); size > pageBytes {
			return page{evs: p.evs, ids: p.ids, more: true}, rows.Err()
		}
	}
	p.more = len(p.evs) == n
	return p, rows.Err()
}

// scanner reads rows of eventColumns, sharing one string per event type
// within a page instead of allocating one per row.
type scanner struct {
	types map[string]string
	typ   sql.RawBytes
}

func (sc *scanner) scan(rows *sql.Rows) (events.RecordedEvent, int64, error) {
	var (
		ev                  events.RecordedEvent
		pos, stream, rev, t int64
		data                []byte
		metadata            sql.RawBytes
	)
	if err := rows.Scan(&pos, &ev.ID, &stream, &rev, &sc.typ, &t, &data, &metadata); err != nil {
		return ev, 0, err
	}
	ev.Position, ev.Revision, ev.Type = uint64(pos), uint64(rev), sc.intern(sc.typ)
	ev.Time = time.Unix(0, t).UTC()
	ev.Data = json.RawMessage(data)
	if string(metadata) != "{}" {
		if err := json.Unmarshal(metadata, &ev.Metadata); err != nil {
			return ev, 0, fmt.Errorf("metadata of position %d: %w", pos, err)
		}
	}
	return ev, stream, nil
}

func (sc *scanner) intern(b []byte) string {
	if t, ok := sc.types[string(b)]; ok {
		return t
	}
	if sc.types == nil {
		sc.types = make(map[string]string)
	}
	t := string(b)
	sc.types[t] = t
	return t
}

// pageLimit is the row limit of the next query given what is left of a
// caller's limit (0: none).
func (s *Store) pageLimit(left int, limited bool) int {
	if limited && left < s.cfg.PageSize {
		return left
	}
	return s.cfg.PageSize
}
