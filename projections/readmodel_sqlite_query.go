package projections

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/protocol"
)

const errorColumns = `id, error_type, message, severity, user, connection_id, context, at`

// Errors answers an error-log query from the live table set, newest first.
func (s *SQLite) Errors(ctx context.Context, q protocol.ErrorQuery) (protocol.ErrorPage, error) {
	limit := capLimit(q.Limit, protocol.DefaultErrorLimit, protocol.MaxErrorLimit)
	where, args := errorWhere(q)
	rows, err := s.reader.QueryContext(ctx, `SELECT `+errorColumns+` FROM error_log`+where+
		` ORDER BY `+errorOrder(q)+` DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return protocol.ErrorPage{}, fmt.Errorf("projections: query errors: %w", err)
	}
	defer rows.Close()
	var items []protocol.ErrorItem
	for rows.Next() {
		r, err := scanError(rows)
		if err != nil {
			return protocol.ErrorPage{}, fmt.Errorf("projections: query errors: %w", err)
		}
		items = append(items, r)
	}
	return errorPage(items, limit), rows.Err()
}

// errorPage makes a page of at most limit items from the limit+1 rows a
// query asked for: when there are more, the cursor is the last item's id.
func errorPage(items []protocol.ErrorItem, limit int) protocol.ErrorPage {
	page := protocol.ErrorPage{Items: items}
	if len(items) > limit {
		page.Items = items[:limit]
		next := page.Items[limit-1].ID
		page.NextCursor = &next
	}
	return page
}

// errorOrder is "id", or "+id" when a time range is given: the unary plus
// keeps SQLite from walking an (x, id) index newest-first and testing
// every row's time, and makes it seek the at index to the range and sort
// what is inside (a top-N sort bounded by the limit).
func errorOrder(q protocol.ErrorQuery) string {
	if q.Since.IsZero() && q.Until.IsZero() {
		return "id"
	}
	return "+id"
}

// errorWhere builds the WHERE clause of q. Without a time range every
// filter is served by an index ending in id, so "newest first" needs no
// sort. With one, error_type and user are served by their (x, at)
// indexes, and severity and connection_id are written +col so that SQLite
// seeks the at index rather than walking all rows of one severity.
func errorWhere(q protocol.ErrorQuery) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) { conds = append(conds, cond); args = append(args, arg) }
	ranged := !q.Since.IsZero() || !q.Until.IsZero()
	for _, f := range []struct {
		col, v string
		weak   bool
	}{
		{"error_type", q.ErrorType, false}, {"severity", q.Severity, true},
		{"user", q.User, false}, {"connection_id", q.ConnectionID, true},
	} {
		if f.v == "" {
			continue
		}
		col := f.col
		if ranged && f.weak {
			col = "+" + col
		}
		add(col+" = ?", f.v)
	}
	if !q.Since.IsZero() {
		add("at >= ?", formatTime(q.Since))
	}
	if !q.Until.IsZero() {
		add("at < ?", formatTime(q.Until))
	}
	if q.Cursor > 0 {
		add("id < ?", q.Cursor)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func scanError(rows *sql.Rows) (protocol.ErrorItem, error) {
	var r protocol.ErrorItem
	var id uint64
	var ctxJSON, at string
	if err := rows.Scan(&id, &r.ErrorType, &r.Message, &r.Severity, &r.User, &r.ConnectionID, &ctxJSON, &at); err != nil {
		return r, err
	}
	r.ID = strconv.FormatUint(id, 10)
	if err := json.Unmarshal([]byte(ctxJSON), &r.Context); err != nil {
		return r, err
	}
	t, err := parseTime(at)
	r.At = t
	return r, err
}

// ErrorCounts answers the hourly trend, ordered by hour then type.
func (s *SQLite) ErrorCounts(ctx context.Context, q protocol.ErrorCountQuery) ([]protocol.ErrorCount, error) {
	var conds []string
	var args []any
	if q.ErrorType != "" {
		conds, args = append(conds, "error_type = ?"), append(args, q.ErrorType)
	}
	if !q.Since.IsZero() {
		conds, args = append(conds, "hour >= ?"), append(args, formatTime(q.Since.UTC().Truncate(time.Hour)))
	}
	if !q.Until.IsZero() {
		conds, args = append(conds, "hour < ?"), append(args, formatTime(q.Until))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT hour, error_type, count FROM error_hourly`+where+
		` ORDER BY hour, error_type LIMIT ?`, append(args, protocol.MaxErrorCounts)...)
	if err != nil {
		return nil, fmt.Errorf("projections: query error counts: %w", err)
	}
	defer rows.Close()
	return scanCounts(rows)
}

func scanCounts(rows *sql.Rows) ([]protocol.ErrorCount, error) {
	out := []protocol.ErrorCount{}
	for rows.Next() {
		var c protocol.ErrorCount
		var hour string
		if err := rows.Scan(&hour, &c.ErrorType, &c.Count); err != nil {
			return nil, err
		}
		t, err := parseTime(hour)
		if err != nil {
			return nil, err
		}
		c.Hour = t
		out = append(out, c)
	}
	return out, rows.Err()
}

// ReadStates answers read states of one user (ordered by chat) or of one
// chat (ordered by user) from read_state_view, with unread computed by
// chat.UnreadItems.
func (s *SQLite) ReadStates(ctx context.Context, q protocol.ReadStateQuery) ([]protocol.ReadState, error) {
	if (q.User == "") == (q.Chat == "") {
		return nil, fmt.Errorf("%w: read-state query needs exactly one of user and chat", ErrInvalidConfig)
	}
	query := `SELECT user, chat_id, last_read_seq, latest_seq, uncounted_above FROM read_state_view `
	arg := q.User
	if q.User != "" {
		query += `WHERE user = ? ORDER BY chat_id LIMIT ?`
	} else {
		query, arg = query+`WHERE chat_id = ? ORDER BY user LIMIT ?`, q.Chat
	}
	rows, err := s.reader.QueryContext(ctx, query, arg, protocol.MaxReadStates)
	if err != nil {
		return nil, fmt.Errorf("projections: query read states: %w", err)
	}
	defer rows.Close()
	return scanReadStates(rows)
}

func scanReadStates(rows *sql.Rows) ([]protocol.ReadState, error) {
	out := []protocol.ReadState{}
	for rows.Next() {
		var r protocol.ReadState
		var uncounted uint64
		if err := rows.Scan(&r.User, &r.ChatID, &r.LastReadSeq, &r.LatestSeq, &uncounted); err != nil {
			return nil, err
		}
		r.Unread = chat.UnreadItems(r.LastReadSeq, r.LatestSeq, uncounted)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Checkpoint returns the live checkpoint of projection name (0 if none).
func (s *SQLite) Checkpoint(ctx context.Context, name string) (uint64, error) {
	var pos uint64
	err := s.reader.QueryRowContext(ctx, `SELECT position FROM projection_checkpoints WHERE name = ?`, name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("projections: checkpoint %s: %w", name, err)
	}
	return pos, nil
}

// Checkpoints returns every projection's live checkpoint, by name; a
// projection that never committed has position 0.
func (s *SQLite) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT c.name, c.position, c.updated_at,
		(SELECT count(*) FROM projection_poison p WHERE p.name = c.name) FROM projection_checkpoints c`)
	if err != nil {
		return nil, fmt.Errorf("projections: checkpoints: %w", err)
	}
	defer rows.Close()
	byName := map[string]Checkpoint{}
	for rows.Next() {
		var c Checkpoint
		var at string
		if err := rows.Scan(&c.Name, &c.Position, &at, &c.Poisoned); err != nil {
			return nil, fmt.Errorf("projections: checkpoints: %w", err)
		}
		c.UpdatedAt, _ = parseTime(at)
		byName[c.Name] = c
	}
	return liveCheckpoints(byName), rows.Err()
}

func liveCheckpoints(byName map[string]Checkpoint) []Checkpoint {
	var out []Checkpoint
	for name := range projectionTables {
		c, ok := byName[name]
		if !ok {
			c = Checkpoint{Name: name}
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Checkpoint) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// capLimit applies a default and a cap to a requested page size.
func capLimit(n, def, max int) int {
	switch {
	case n <= 0:
		return def
	case n > max:
		return max
	}
	return n
}
