package projections

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Statement templates of a Tx; %s stands for the table set's suffix (the
// shared tables have none). Begin prepares them before taking the writer.
const (
	qSetCheckpoint = `INSERT INTO projection_checkpoints (name, position, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`
	qPoison = `INSERT OR IGNORE INTO projection_poison (name, position, stream, event_type, reason, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?)`
	qInsertError = `INSERT OR IGNORE INTO error_log%s (id, error_type, message, severity, user, connection_id, context, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	qCountError = `INSERT INTO error_hourly%s (error_type, hour, count) VALUES (?, ?, 1)
		ON CONFLICT (error_type, hour) DO UPDATE SET count = count + 1`
	qAddChat      = `INSERT OR IGNORE INTO chats%s (chat_id, latest_seq) VALUES (?, 0)`
	qAddMember    = `INSERT OR IGNORE INTO read_states%s (chat_id, user, last_read_seq) VALUES (?, ?, 0)`
	qRaiseLatest  = `UPDATE chats%s SET latest_seq = MAX(latest_seq, ?) WHERE chat_id = ?`
	qRaisePointer = `UPDATE read_states%s SET last_read_seq = MAX(last_read_seq, ?) WHERE chat_id = ? AND user = ?`
	qChatKnown    = `SELECT count(*) FROM chats%s WHERE chat_id = ?`
	qIsMember     = `SELECT count(*) FROM read_states%s WHERE chat_id = ? AND user = ?`
)

// txQueries lists the templates each projection's Tx uses.
var txQueries = map[string][]string{
	NameErrors:     {qSetCheckpoint, qPoison, qInsertError, qCountError},
	NameReadStates: {qSetCheckpoint, qPoison, qAddChat, qAddMember, qRaiseLatest, qRaisePointer, qChatKnown, qIsMember},
}

// sqliteTx is a Tx on one table set of one projection.
type sqliteTx struct {
	s      *SQLite
	ctx    context.Context
	tx     *sql.Tx
	name   string // projection
	set    string // table-set suffix, "" for live
	cpName string // checkpoint row: name + set
	raises raises // read-state raises, written at flush
}

// Begin opens a write transaction (BEGIN IMMEDIATE) on set of projection
// name.
func (s *SQLite) Begin(ctx context.Context, name, set string) (Tx, error) {
	if s.writer == nil {
		return nil, ErrReadOnly
	}
	if _, ok := projectionTables[name]; !ok || !validSet(set) {
		return nil, fmt.Errorf("%w: %q set %q", ErrUnknownProjection, name, set)
	}
	if err := s.prepare(ctx, name, set); err != nil {
		return nil, fmt.Errorf("projections: prepare %s: %w", name, err)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("projections: begin %s: %w", name, err)
	}
	return &sqliteTx{s: s, ctx: ctx, tx: tx, name: name, set: set, cpName: name + set}, nil
}

// exec runs a statement template on the transaction's table set, through
// the statements Begin prepared.
func (t *sqliteTx) exec(tmpl string, args ...any) (sql.Result, error) {
	query := setQuery(tmpl, t.set)
	if st := t.s.cached(query); st != nil {
		return t.tx.StmtContext(t.ctx, st).ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

// setQuery fills a template's table-set suffix.
func setQuery(tmpl, set string) string {
	if !strings.Contains(tmpl, "%s") {
		return tmpl
	}
	return fmt.Sprintf(tmpl, set)
}

func (t *sqliteTx) Checkpoint() (uint64, error) {
	var pos uint64
	err := t.tx.QueryRowContext(t.ctx, `SELECT position FROM projection_checkpoints WHERE name = ?`, t.cpName).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return pos, err
}

func (t *sqliteTx) SetCheckpoint(pos uint64) error {
	_, err := t.exec(qSetCheckpoint,
		t.cpName, pos, formatTime(time.Now()))
	return err
}

func (t *sqliteTx) RecordPoison(p Poison) error {
	_, err := t.exec(qPoison, t.cpName, p.Position, p.Stream, p.EventType, p.Reason, formatTime(time.Now()))
	return err
}

func (t *sqliteTx) InsertError(r ErrorRow) error {
	ctxJSON, err := json.Marshal(r.Context)
	if err != nil {
		return fmt.Errorf("%w: context: %v", ErrPoison, err)
	}
	res, err := t.exec(qInsertError, r.ID, r.ErrorType, r.Message, r.Severity, r.User, r.ConnectionID, string(ctxJSON), formatTime(r.At))
	if ok, _ := affected(res, err); !ok {
		return err
	}
	hour := formatTime(r.At.UTC().Truncate(time.Hour))
	_, err = t.exec(qCountError, r.ErrorType, hour)
	return err
}

func (t *sqliteTx) AddChat(chatID string, members []string) error {
	res, err := t.exec(qAddChat, chatID)
	if ok, _ := affected(res, err); !ok {
		return err
	}
	t.raises.init()
	t.raises.chats[chatID] = true
	for _, m := range members {
		if _, err := t.exec(qAddMember, chatID, m); err != nil {
			return err
		}
		t.raises.members[[2]string{chatID, m}] = true
	}
	return nil
}

// RaiseLatestSeq and RaiseReadPointer check the chat or the membership
// now (cached for the transaction) and keep only the highest seq per chat
// and per member; flush writes them before the commit. MAX is commutative,
// so the rows end as if every raise had been written in order.
func (t *sqliteTx) RaiseLatestSeq(chatID string, seq uint64) (bool, error) {
	t.raises.init()
	known, err := lookup(t, t.raises.chats, chatID, qChatKnown, chatID)
	if err != nil || !known {
		return false, err
	}
	t.raises.latest[chatID] = max(t.raises.latest[chatID], seq)
	return true, nil
}

func (t *sqliteTx) RaiseReadPointer(chatID, user string, seq uint64) (bool, error) {
	t.raises.init()
	key := [2]string{chatID, user}
	member, err := lookup(t, t.raises.members, key, qIsMember, chatID, user)
	if err != nil || !member {
		return false, err
	}
	t.raises.pointers[key] = max(t.raises.pointers[key], seq)
	return true, nil
}

// lookup answers an existence query once per key and transaction.
func lookup[K comparable](t *sqliteTx, cache map[K]bool, key K, tmpl string, args ...any) (bool, error) {
	if v, ok := cache[key]; ok {
		return v, nil
	}
	var n int
	query := setQuery(tmpl, t.set)
	var row *sql.Row
	if st := t.s.cached(query); st != nil {
		row = t.tx.StmtContext(t.ctx, st).QueryRowContext(t.ctx, args...)
	} else {
		row = t.tx.QueryRowContext(t.ctx, query, args...)
	}
	if err := row.Scan(&n); err != nil {
		return false, err
	}
	cache[key] = n > 0
	return n > 0, nil
}

// flush writes the buffered raises.
func (t *sqliteTx) flush() error {
	for chat, seq := range t.raises.latest {
		if _, err := t.exec(qRaiseLatest, seq, chat); err != nil {
			return err
		}
	}
	for key, seq := range t.raises.pointers {
		if _, err := t.exec(qRaisePointer, seq, key[0], key[1]); err != nil {
			return err
		}
	}
	t.raises = raises{}
	return nil
}

func (t *sqliteTx) Commit() error {
	if err := t.flush(); err != nil {
		return err
	}
	return t.tx.Commit()
}
func (t *sqliteTx) Rollback() error { return t.tx.Rollback() }

// affected reports whether a statement touched a row.
func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// raises buffers a transaction's read-state raises and existence answers.
type raises struct {
	chats    map[string]bool
	members  map[[2]string]bool
	latest   map[string]uint64
	pointers map[[2]string]uint64
}

func (r *raises) init() {
	if r.chats == nil {
		*r = raises{chats: map[string]bool{}, members: map[[2]string]bool{}, latest: map[string]uint64{}, pointers: map[[2]string]uint64{}}
	}
}
