package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/protocol"
)

// Errors answers an error-log query from the live tables, newest first.
func (p *Postgres) Errors(ctx context.Context, q protocol.ErrorQuery) (protocol.ErrorPage, error) {
	limit := capLimit(q.Limit, protocol.DefaultErrorLimit, protocol.MaxErrorLimit)
	var w pgWhere
	w.eq("error_type", q.ErrorType)
	w.eq("severity", q.Severity)
	w.eq("user_id", q.User)
	w.eq("connection_id", q.ConnectionID)
	w.since(q.Since)
	w.until(q.Until)
	if q.Cursor > 0 {
		w.add("id < $%d", int64(min(q.Cursor, 1<<63-1)))
	}
	rows, err := p.pool.Query(ctx, `SELECT id, error_type, message, severity, user_id, connection_id, context, at, at_ns
		FROM error_log`+w.sql()+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), w.args...)
	if err != nil {
		return protocol.ErrorPage{}, fmt.Errorf("projections: query errors: %w", err)
	}
	items, err := pgx.CollectRows(rows, scanPgError)
	if err != nil {
		return protocol.ErrorPage{}, fmt.Errorf("projections: query errors: %w", err)
	}
	return errorPage(items, limit), nil
}

func scanPgError(row pgx.CollectableRow) (protocol.ErrorItem, error) {
	var r protocol.ErrorItem
	var id int64
	var ns int16
	if err := row.Scan(&id, &r.ErrorType, &r.Message, &r.Severity, &r.User, &r.ConnectionID, &r.Context, &r.At, &ns); err != nil {
		return r, err
	}
	r.ID = strconv.FormatInt(id, 10)
	r.At = r.At.UTC().Add(time.Duration(ns))
	return r, nil
}

// pgWhere builds a WHERE clause with numbered parameters.
type pgWhere struct {
	conds []string
	args  []any
}

// add appends a condition whose %d is the next parameter's number.
func (w *pgWhere) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, fmt.Sprintf(cond, len(w.args)))
}

func (w *pgWhere) eq(col, v string) {
	if v != "" {
		w.add(col+" = $%d", storable(v))
	}
}

// since and until compare the row's exact time (at + at_ns) with t:
// against the microsecond part first (index-friendly), then the
// nanoseconds when t has any below the microsecond.
func (w *pgWhere) since(t time.Time) {
	if t.IsZero() {
		return
	}
	us, ns := splitNanos(t)
	w.add("at >= $%d", us)
	if ns > 0 {
		w.add("(at > $%d", us)
		w.conds[len(w.conds)-1] += fmt.Sprintf(" OR at_ns >= %d)", ns)
	}
}

func (w *pgWhere) until(t time.Time) {
	if t.IsZero() {
		return
	}
	us, ns := splitNanos(t)
	if ns == 0 {
		w.add("at < $%d", us)
		return
	}
	w.add("at <= $%d", us)
	w.add("(at < $%d", us)
	w.conds[len(w.conds)-1] += fmt.Sprintf(" OR at_ns < %d)", ns)
}

func (w *pgWhere) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// splitNanos splits t into its microsecond instant and the nanoseconds
// below it (0-999).
func splitNanos(t time.Time) (time.Time, int) {
	t = t.UTC()
	return t.Truncate(time.Microsecond), t.Nanosecond() % 1000
}

// ceilMicro rounds t up to the microsecond: for a column holding whole
// microseconds, col < t exactly when col < ceilMicro(t).
func ceilMicro(t time.Time) time.Time {
	us, ns := splitNanos(t)
	if ns > 0 {
		return us.Add(time.Microsecond)
	}
	return us
}

// ErrorCounts answers the hourly trend, ordered by hour then type.
func (p *Postgres) ErrorCounts(ctx context.Context, q protocol.ErrorCountQuery) ([]protocol.ErrorCount, error) {
	var w pgWhere
	w.eq("error_type", q.ErrorType)
	if !q.Since.IsZero() {
		w.add("hour >= $%d", q.Since.UTC().Truncate(time.Hour))
	}
	if !q.Until.IsZero() {
		w.add("hour < $%d", ceilMicro(q.Until))
	}
	rows, err := p.pool.Query(ctx, `SELECT hour, error_type, count FROM error_hourly`+w.sql()+
		` ORDER BY hour, error_type LIMIT `+strconv.Itoa(protocol.MaxErrorCounts), w.args...)
	if err != nil {
		return nil, fmt.Errorf("projections: query error counts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (protocol.ErrorCount, error) {
		var c protocol.ErrorCount
		err := row.Scan(&c.Hour, &c.ErrorType, &c.Count)
		c.Hour = c.Hour.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("projections: query error counts: %w", err)
	}
	return orEmpty(out), nil
}

// ReadStates answers read states of one user (ordered by chat) or of one
// chat (ordered by user) from read_state_view, with unread computed by
// chat.UnreadItems.
func (p *Postgres) ReadStates(ctx context.Context, q protocol.ReadStateQuery) ([]protocol.ReadState, error) {
	if (q.User == "") == (q.Chat == "") {
		return nil, fmt.Errorf("%w: read-state query needs exactly one of user and chat", ErrInvalidConfig)
	}
	query := `SELECT user_id, chat_id, last_read_seq, latest_seq, uncounted_above FROM read_state_view `
	arg := q.User
	if q.User != "" {
		query += `WHERE user_id = $1 ORDER BY chat_id LIMIT $2`
	} else {
		query, arg = query+`WHERE chat_id = $1 ORDER BY user_id LIMIT $2`, q.Chat
	}
	rows, err := p.pool.Query(ctx, query, storable(arg), protocol.MaxReadStates)
	if err != nil {
		return nil, fmt.Errorf("projections: query read states: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (protocol.ReadState, error) {
		var r protocol.ReadState
		var last, latest, uncounted int64
		err := row.Scan(&r.User, &r.ChatID, &last, &latest, &uncounted)
		r.LastReadSeq, r.LatestSeq = uint64(last), uint64(latest)
		r.Unread = chat.UnreadItems(r.LastReadSeq, r.LatestSeq, uint64(uncounted))
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("projections: query read states: %w", err)
	}
	return orEmpty(out), nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Checkpoint returns the live checkpoint of projection name (0 if none).
func (p *Postgres) Checkpoint(ctx context.Context, name string) (uint64, error) {
	var pos int64
	err := p.pool.QueryRow(ctx, `SELECT position FROM projection_checkpoints WHERE name = $1`, name).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("projections: checkpoint %s: %w", name, err)
	}
	return uint64(pos), nil
}

// Checkpoints returns every projection's live checkpoint, by name; a
// projection that never committed has position 0.
func (p *Postgres) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	rows, err := p.pool.Query(ctx, `SELECT c.name, c.position, c.updated_at,
		(SELECT count(*) FROM projection_poison p WHERE p.name = c.name) FROM projection_checkpoints c`)
	if err != nil {
		return nil, fmt.Errorf("projections: checkpoints: %w", err)
	}
	cps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Checkpoint, error) {
		var c Checkpoint
		var pos int64
		err := row.Scan(&c.Name, &pos, &c.UpdatedAt, &c.Poisoned)
		c.Position, c.UpdatedAt = uint64(pos), c.UpdatedAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("projections: checkpoints: %w", err)
	}
	byName := map[string]Checkpoint{}
	for _, c := range cps {
		byName[c.Name] = c
	}
	return liveCheckpoints(byName), nil
}
