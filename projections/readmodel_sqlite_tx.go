package projections

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	qAddChat   = `INSERT OR IGNORE INTO chats%s (chat_id, latest_seq) VALUES (?, 0)`
	qAddMember = `INSERT OR IGNORE INTO read_states%s (chat_id, user, last_read_seq) VALUES (?, ?, 0)`
	qLatest    = `SELECT latest_seq FROM chats%s WHERE chat_id = ?`
	qPointer   = `SELECT last_read_seq FROM read_states%s WHERE chat_id = ? AND user = ?`
	qJoin      = `INSERT INTO read_states%s (chat_id, user, last_read_seq) VALUES (?, ?, ?)
		ON CONFLICT (chat_id, user) DO UPDATE SET last_read_seq = excluded.last_read_seq`
	qLeave   = `DELETE FROM read_states%s WHERE chat_id = ? AND user = ?`
	qUncount = `INSERT OR IGNORE INTO uncounted%s (chat_id, seq) VALUES (?, ?)`
)

// qSetLatests and qSetPointers write the changed rows of chats and
// read_states at flush, many rows a statement (rowChunks). They are
// upserts only in form: a row is changed only when the transaction knows
// it exists (seqRow.known; a member who left is known absent), so each
// row updates one that is there.
var (
	qSetLatests = multiRow(`INSERT INTO chats%s (chat_id, latest_seq) VALUES `, 2,
		` ON CONFLICT (chat_id) DO UPDATE SET latest_seq = excluded.latest_seq`)
	qSetPointers = multiRow(`INSERT INTO read_states%s (chat_id, user, last_read_seq) VALUES `, 3,
		` ON CONFLICT (chat_id, user) DO UPDATE SET last_read_seq = excluded.last_read_seq`)
)

// txQueries lists the templates each projection's Tx uses.
var txQueries = map[string][]string{
	NameErrors: {qSetCheckpoint, qPoison, qInsertError, qCountError},
	NameReadStates: append([]string{qSetCheckpoint, qPoison, qAddChat, qAddMember, qLatest, qPointer, qJoin, qLeave, qUncount},
		append(qSetLatests[:], qSetPointers[:]...)...),
	NameDeliveries: deliveryQueries, // readmodel_sqlite_deliveries.go
}

// sqliteTx is a Tx on one table set of one projection.
type sqliteTx struct {
	s *SQLite
	// ctx runs the statements: the caller's values without its
	// cancellation, so that no statement starts a goroutine to watch it;
	// cancelling the caller's context (parent) still rolls the transaction
	// back (database/sql watches it once per transaction), and exec
	// checks it before each statement.
	ctx    context.Context
	parent context.Context
	tx     *sql.Tx
	name   string               // projection
	set    string               // table-set suffix, "" for live
	cpName string               // checkpoint row: name + set
	rows   readRows             // read-state rows read in this transaction, written at flush
	deliv  deliveryCache        // the deliveries projection's reads (readmodel_sqlite_deliveries.go)
	dbuf   deliveryRows         // the deliveries projection's rows, written at flush
	stmts  map[string]*sql.Stmt // by template, bound to tx (stmt)
	// cache holds rows across transactions (readmodel_sqlite_cache.go);
	// nil for the errors projection and a swap's catch-up. cp and dv are
	// the checkpoint (as read at Begin, then as set) and data version the
	// cache is true at after the commit; cacheHeld until it is unlocked.
	cache     *rowCache
	cacheHeld bool
	cp        uint64
	cpKnown   bool
	dv        int64
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
	t := &sqliteTx{s: s, ctx: context.WithoutCancel(ctx), parent: ctx, tx: tx, name: name, set: set, cpName: name + set}
	if err := t.takeCache(); err != nil {
		t.Rollback()
		return nil, fmt.Errorf("projections: begin %s: %w", name, err)
	}
	return t, nil
}

// takeCache locks the table set's row cache for this transaction and
// empties it unless it is true at the committed checkpoint and data
// version, both read now that the transaction holds the write lock.
func (t *sqliteTx) takeCache() error {
	if t.name != NameReadStates && t.name != NameDeliveries {
		return nil
	}
	cp, err := t.Checkpoint()
	if err != nil {
		return err
	}
	if err := t.tx.QueryRowContext(t.ctx, `PRAGMA data_version`).Scan(&t.dv); err != nil {
		return err
	}
	t.cp, t.cpKnown = cp, true
	t.cache = t.s.cache(t.cpName)
	select {
	case t.cache.held <- struct{}{}:
	case <-t.parent.Done():
		return t.parent.Err()
	}
	t.cacheHeld = true
	t.cache.check(cp, t.dv)
	return nil
}

// releaseCache merges this transaction's rows into the cache when it
// committed, and unlocks the cache.
func (t *sqliteTx) releaseCache(committed bool) {
	if !t.cacheHeld {
		return
	}
	if committed {
		t.cache.merge(t.rows, t.deliv, t.cp, t.dv, t.s.cfg.CacheRows)
	}
	t.cacheHeld = false
	<-t.cache.held
}

// exec runs a statement template on the transaction's table set, through
// the statements Begin prepared.
func (t *sqliteTx) exec(tmpl string, args ...any) (sql.Result, error) {
	if err := t.parent.Err(); err != nil {
		return nil, err
	}
	if st := t.stmt(tmpl); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, setQuery(tmpl, t.set), args...)
}

// stmt returns the transaction's statement for a template, bound to the
// transaction once (filling the template, finding the prepared statement
// and binding it cost about as much as a small statement's run), or nil
// when Begin prepared none.
func (t *sqliteTx) stmt(tmpl string) *sql.Stmt {
	if st, ok := t.stmts[tmpl]; ok {
		return st
	}
	var st *sql.Stmt
	if prepared := t.s.cached(setQuery(tmpl, t.set)); prepared != nil {
		st = t.tx.StmtContext(t.ctx, prepared)
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[tmpl] = st
	return st
}

// setQuery fills a template's table-set suffix.
func setQuery(tmpl, set string) string {
	if !strings.Contains(tmpl, "%s") {
		return tmpl
	}
	return fmt.Sprintf(tmpl, set)
}

func (t *sqliteTx) Checkpoint() (uint64, error) {
	if t.cpKnown {
		return t.cp, nil
	}
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
	if err == nil && t.cpKnown {
		t.cp = pos
	}
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
	t.rows.init()
	t.rows.chats[chatID] = &seqRow{known: true}
	for _, m := range members {
		res, err := t.exec(qAddMember, chatID, m)
		if ok, err := affected(res, err); err != nil {
			return err
		} else if ok {
			t.rows.members[[2]string{chatID, m}] = &seqRow{known: true}
		}
	}
	return nil
}

// LatestSeq, ReadPointer and their setters read each row once per
// transaction and keep it; flush writes the rows that changed before the
// commit.
func (t *sqliteTx) LatestSeq(chatID string) (uint64, bool, error) {
	r, err := t.chatRow(chatID)
	if err != nil {
		return 0, false, err
	}
	return r.seq, r.known, nil
}

func (t *sqliteTx) SetLatestSeq(chatID string, seq uint64) error {
	r, err := t.chatRow(chatID)
	if err == nil && r.known {
		r.seq, r.dirty = seq, true
	}
	return err
}

func (t *sqliteTx) ReadPointer(chatID, user string) (uint64, bool, error) {
	r, err := t.memberRow(chatID, user)
	if err != nil {
		return 0, false, err
	}
	return r.seq, r.known, nil
}

func (t *sqliteTx) SetReadPointer(chatID, user string, seq uint64) error {
	r, err := t.memberRow(chatID, user)
	if err == nil && r.known {
		r.seq, r.dirty = seq, true
	}
	return err
}

// JoinChat writes the row at once and keeps it, clean, in the cache.
func (t *sqliteTx) JoinChat(chatID, user string, seq uint64) error {
	if _, err := t.exec(qJoin, chatID, user, seq); err != nil {
		return err
	}
	t.rows.init()
	t.rows.members[[2]string{chatID, user}] = &seqRow{known: true, seq: seq}
	return nil
}

// LeaveChat deletes the row at once and keeps it in the cache as gone.
func (t *sqliteTx) LeaveChat(chatID, user string) error {
	if _, err := t.exec(qLeave, chatID, user); err != nil {
		return err
	}
	t.rows.init()
	t.rows.members[[2]string{chatID, user}] = &seqRow{}
	return nil
}

func (t *sqliteTx) Uncount(chatID string, seq uint64) error {
	_, err := t.exec(qUncount, chatID, seq)
	return err
}

// chatRow and memberRow read a row from this transaction's rows, else
// from the row cache, else from SQL.
func (t *sqliteTx) chatRow(chatID string) (*seqRow, error) {
	t.rows.init()
	if r, ok := t.rows.chats[chatID]; ok {
		return r, nil
	}
	if t.cache != nil {
		if r, ok := t.cache.chatRow(chatID); ok {
			t.rows.chats[chatID] = r
			return r, nil
		}
	}
	return lookup(t, t.rows.chats, chatID, qLatest, chatID)
}

func (t *sqliteTx) memberRow(chatID, user string) (*seqRow, error) {
	t.rows.init()
	key := [2]string{chatID, user}
	if r, ok := t.rows.members[key]; ok {
		return r, nil
	}
	if t.cache != nil {
		if r, ok := t.cache.memberRow(key); ok {
			t.rows.members[key] = r
			return r, nil
		}
	}
	return lookup(t, t.rows.members, key, qPointer, chatID, user)
}

// lookup reads one seq row once per key and transaction; a missing row is
// kept as not known.
func lookup[K comparable](t *sqliteTx, cache map[K]*seqRow, key K, tmpl string, args ...any) (*seqRow, error) {
	if r, ok := cache[key]; ok {
		return r, nil
	}
	var row *sql.Row
	if st := t.stmt(tmpl); st != nil {
		row = st.QueryRowContext(t.ctx, args...)
	} else {
		row = t.tx.QueryRowContext(t.ctx, setQuery(tmpl, t.set), args...)
	}
	r := &seqRow{known: true}
	switch err := row.Scan(&r.seq); {
	case errors.Is(err, sql.ErrNoRows):
		r.known = false
	case err != nil:
		return nil, err
	}
	cache[key] = r
	return r, nil
}

// flush writes the rows that changed (and keeps them, clean, for the row
// cache) and the buffered delivery rows.
func (t *sqliteTx) flush() error {
	if err := t.flushDeliveries(); err != nil {
		return err
	}
	chats := dirtyRows(t.rows.chats, strings.Compare)
	err := writeChunks(t, qSetLatests, chats, func(args []any, r keyedRow[string]) []any {
		return append(args, r.key, r.seq)
	})
	if err != nil {
		return err
	}
	members := dirtyRows(t.rows.members, func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	var chat boxed
	return writeChunks(t, qSetPointers, members, func(args []any, r keyedRow[[2]string]) []any {
		return append(args, chat.of(r.key[0]), r.key[1], r.seq)
	})
}

// keyedRow is a changed seq row and its key.
type keyedRow[K any] struct {
	key K
	seq uint64
}

// dirtyRows takes the changed rows out of rows (leaving them clean), in
// key order.
func dirtyRows[K comparable](rows map[K]*seqRow, compare func(a, b K) int) []keyedRow[K] {
	var out []keyedRow[K]
	for k, r := range rows {
		if r.dirty {
			out = append(out, keyedRow[K]{key: k, seq: r.seq})
			r.dirty = false
		}
	}
	slices.SortFunc(out, func(a, b keyedRow[K]) int { return compare(a.key, b.key) })
	return out
}

// Commit writes the changed rows and commits; the row cache then takes
// this transaction's rows. A failed COMMIT empties the cache, since what
// the file holds is then unknown.
func (t *sqliteTx) Commit() error {
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.tx.Commit(); err != nil {
		if t.cacheHeld {
			t.cache.reset()
		}
		t.releaseCache(false)
		return err
	}
	t.releaseCache(true)
	return nil
}

// Rollback drops the transaction and its rows; the row cache stays as it
// was.
func (t *sqliteTx) Rollback() error {
	err := t.tx.Rollback()
	t.releaseCache(false)
	return err
}

// affected reports whether a statement touched a row.
func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// readRows are the read-state rows a transaction has read, by chat and by
// (chat, user).
type readRows struct {
	chats   map[string]*seqRow
	members map[[2]string]*seqRow
}

// seqRow is one row's seq (a chat's latest, a member's pointer); known is
// false when the row does not exist; dirty when flush must write it.
type seqRow struct {
	known bool
	seq   uint64
	dirty bool
}

func (r *readRows) init() {
	if r.chats == nil {
		*r = readRows{chats: map[string]*seqRow{}, members: map[[2]string]*seqRow{}}
	}
}
