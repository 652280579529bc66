package embedded

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
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

// fetch runs a query selecting selectColumns with a LIMIT of n (its last
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

// fetchRows reads one page on one read connection, through the driver
// directly (see rawStmts).
func (s *Store) fetchRows(ctx context.Context, n int, query string, args []any) (page, error) {
	if !s.raw.enter() {
		return page{}, events.ErrClosed
	}
	defer s.raw.leave()
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return page{}, err
	}
	defer conn.Close()
	var p page
	// The page query runs without ctx's cancellation: the driver skips the
	// statement reset in rows.Close when its context has ended, and a
	// statement left active pins the connection's read snapshot, so later
	// reads on that pooled connection would not see new commits (a
	// subscription then skipped events). A page is bounded, so the query
	// is short; ctx is still checked between pages.
	qctx := context.WithoutCancel(ctx)
	err = conn.Raw(func(dc any) error {
		defer s.raw.dropIfInvalid(dc)
		rows, release, err := s.raw.query(qctx, dc, query, append(args, n))
		if err != nil {
			return err
		}
		defer release()
		defer rows.Close()
		p, err = readPage(rows, n)
		return err
	})
	return p, err
}

// readPage reads up to n rows of selectColumns, cutting the page short
// after pageBytes of data.
func readPage(rows driver.Rows, n int) (page, error) {
	p := page{evs: make([]events.RecordedEvent, 0, min(n, 64)), ids: make([]int64, 0, min(n, 64))}
	var sc scanner
	dest := make([]driver.Value, len(rows.Columns()))
	size := 0
	for {
		err := rows.Next(dest)
		if err == io.EOF {
			break
		}
		if err != nil {
			return page{}, err
		}
		ev, id, err := sc.scan(dest)
		if err != nil {
			return page{}, err
		}
		p.evs, p.ids = append(p.evs, ev), append(p.ids, id)
		if size += len(ev.Data); size > pageBytes {
			return page{evs: p.evs, ids: p.ids, more: true}, nil
		}
	}
	p.more = len(p.evs) == n
	return p, nil
}

// scanner turns driver rows of selectColumns into events, sharing one
// string per event type within a page instead of one per row.
type scanner struct {
	types map[string]string
}

func (sc *scanner) scan(v []driver.Value) (events.RecordedEvent, int64, error) {
	if len(v) != 8 {
		return events.RecordedEvent{}, 0, fmt.Errorf("%d columns, want 8", len(v))
	}
	pos, _ := v[0].(int64)
	stream, _ := v[2].(int64)
	rev, _ := v[3].(int64)
	t, _ := v[5].(int64)
	ev := events.RecordedEvent{Position: uint64(pos), Revision: uint64(rev),
		ID: asString(v[1]), Type: sc.intern(asString(v[4])), Time: time.Unix(0, t).UTC()}
	ev.Data = asBytes(v[6])
	if md := asString(v[7]); md != "{}" {
		if err := json.Unmarshal([]byte(md), &ev.Metadata); err != nil {
			return ev, 0, fmt.Errorf("metadata of position %d: %w", pos, err)
		}
	}
	return ev, stream, nil
}

// asString and asBytes accept a column as the driver hands it over, TEXT
// or BLOB.
func asString(v driver.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func asBytes(v driver.Value) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}

func (sc *scanner) intern(t string) string {
	if it, ok := sc.types[t]; ok {
		return it
	}
	if sc.types == nil {
		sc.types = make(map[string]string)
	}
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
