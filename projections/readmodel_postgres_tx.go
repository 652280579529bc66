package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// maxQueued bounds the statements a Tx holds before sending them (they go
// to the server in one round trip, as a pipeline).
const maxQueued = 1000

// pgTx is a Tx on one table set of one projection, on one pooled
// connection. BEGIN, the writer lock and the writes are queued and sent as
// one pipelined batch before any read and with the COMMIT, so a live
// commit is three round trips (checkpoint, chat load, writes and COMMIT);
// errors surface there.
type pgTx struct {
	p      *Postgres
	ctx    context.Context
	conn   *pgxpool.Conn
	done   bool   // committed or rolled back; conn released
	name   string // projection
	set    string // table-set suffix, "" for live
	cpName string // checkpoint row: name + set
	queue  *pgx.Batch
	errs   errorBuffer     // error rows, written by send
	rows   readRows        // read-state rows read in this transaction, written at Commit
	loaded map[string]bool // chats whose every member rows holds
	deliv  deliveryCache   // the deliveries projection's reads (readmodel_postgres_deliveries.go)
}

// Begin opens a write transaction on set of projection name, under the
// transaction-scoped advisory lock of that table set: writers of one set
// (the runners of several processes, a rebuild's swap) take turns. The
// BEGIN and the lock go with the transaction's first round trip, which
// waits for the lock (bounded by ctx).
func (p *Postgres) Begin(ctx context.Context, name, set string) (Tx, error) {
	if p.cfg.ReadOnly {
		return nil, ErrReadOnly
	}
	if _, ok := projectionTables[name]; !ok || !validSet(set) {
		return nil, fmt.Errorf("%w: %q set %q", ErrUnknownProjection, name, set)
	}
	t, err := p.begin(ctx, name, set)
	if err != nil {
		return nil, fmt.Errorf("projections: begin %s: %w", name, err)
	}
	return t, nil
}

func (p *Postgres) begin(ctx context.Context, name, set string) (*pgTx, error) {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	t := &pgTx{p: p, ctx: ctx, conn: conn, name: name, set: set, cpName: name + set, queue: &pgx.Batch{}}
	t.queue.Queue(`BEGIN`)
	t.queue.Queue(`SELECT pg_advisory_xact_lock($1)`, lockKey(name+set))
	return t, nil
}

// table is the quoted name of table base in the transaction's set.
func (t *pgTx) table(base string) string { return ident(base + t.set) }

// enqueue adds a write; a full queue is sent at once.
func (t *pgTx) enqueue(sql string, args ...any) error {
	t.queue.Queue(sql, args...)
	if t.queue.Len() >= maxQueued {
		return t.send()
	}
	return nil
}

// queueErrors moves the buffered error rows into the queue.
func (t *pgTx) queueErrors() {
	if t.errs.len() > 0 {
		t.queue.Queue(t.errs.statement(t.table("error_log"), t.table("error_hourly")), t.errs.args()...)
		t.errs = errorBuffer{}
	}
}

// send runs the buffered rows and queued writes in one round trip.
func (t *pgTx) send() error {
	if t.done {
		return errTxDone
	}
	t.queueErrors()
	if t.queue.Len() == 0 {
		return nil
	}
	b := t.queue
	t.queue = &pgx.Batch{}
	return t.conn.SendBatch(t.ctx, b).Close()
}

// Checkpoint reads the committed position in the same round trip as what
// is queued (the BEGIN and the lock, on a fresh Tx).
func (t *pgTx) Checkpoint() (uint64, error) {
	var pos int64
	t.queue.Queue(`SELECT position FROM projection_checkpoints WHERE name = $1`, t.cpName).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(&pos); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return nil
	})
	err := t.send()
	return uint64(pos), err
}

func (t *pgTx) SetCheckpoint(pos uint64) error {
	if pos > math.MaxInt64 {
		return fmt.Errorf("projections: checkpoint %d out of range", pos)
	}
	return t.enqueue(`INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
		t.cpName, int64(pos), time.Now().UTC())
}

// RecordPoison stores the record; text PostgreSQL cannot hold (NUL,
// invalid UTF-8) is replaced by U+FFFD, since the record must be kept.
func (t *pgTx) RecordPoison(p Poison) error {
	return t.enqueue(`INSERT INTO projection_poison (name, position, stream, event_type, reason, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name, position) DO NOTHING`,
		t.cpName, int64(min(p.Position, math.MaxInt64)), storable(p.Stream), storable(p.EventType), storable(p.Reason), time.Now().UTC())
}

// InsertError buffers the row; send writes the buffered rows in one
// statement, with their hours' counts for the rows that were new
// (idempotent by position). Within a Tx the first row of an ID wins.
func (t *pgTx) InsertError(r ErrorRow) error {
	if r.ID > math.MaxInt64 {
		return poison("position %d out of range", r.ID)
	}
	ctxJSON, err := json.Marshal(storableJSON(r.Context))
	if err != nil {
		return fmt.Errorf("%w: context: %v", ErrPoison, err)
	}
	if !t.errs.add(r, string(ctxJSON)) {
		return nil
	}
	if t.errs.len() >= maxQueued {
		return t.send()
	}
	return nil
}

// AddChat inserts the chat now (it must know whether the chat is new) and
// its members when it is.
func (t *pgTx) AddChat(chatID string, members []string) error {
	chatID, members = storable(chatID), storableAll(members)
	if err := t.send(); err != nil {
		return err
	}
	tag, err := t.conn.Exec(t.ctx, `INSERT INTO `+t.table("chats")+` (chat_id, latest_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING`, chatID)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	t.rows.init()
	t.rows.chats[chatID] = &seqRow{known: true}
	for _, m := range members {
		t.rows.members[[2]string{chatID, m}] = &seqRow{known: true}
	}
	t.markLoaded(chatID)
	return t.enqueue(`INSERT INTO `+t.table("read_states")+` (chat_id, user_id, last_read_seq)
		SELECT $1, m, 0 FROM unnest($2::text[]) AS m ON CONFLICT DO NOTHING`, chatID, members)
}

// LatestSeq, ReadPointer and their setters work on the chat's rows,
// loaded once per chat and transaction (the chat and all its members in
// one query); Commit writes the rows that changed. A seq PostgreSQL cannot
// store (above 2^63-1) is poison.
func (t *pgTx) LatestSeq(chatID string) (uint64, bool, error) {
	r, err := t.chatRow(chatID)
	if err != nil {
		return 0, false, err
	}
	return r.seq, r.known, nil
}

func (t *pgTx) SetLatestSeq(chatID string, seq uint64) error {
	if seq > math.MaxInt64 {
		return poison("seq %d out of range", seq)
	}
	r, err := t.chatRow(chatID)
	if err == nil && r.known {
		r.seq, r.dirty = seq, true
	}
	return err
}

func (t *pgTx) ReadPointer(chatID, user string) (uint64, bool, error) {
	r, err := t.memberRow(chatID, user)
	if err != nil {
		return 0, false, err
	}
	return r.seq, r.known, nil
}

func (t *pgTx) SetReadPointer(chatID, user string, seq uint64) error {
	if seq > math.MaxInt64 {
		return poison("seq %d out of range", seq)
	}
	r, err := t.memberRow(chatID, user)
	if err == nil && r.known {
		r.seq, r.dirty = seq, true
	}
	return err
}

// JoinChat queues the row and keeps it, clean, in the cache.
func (t *pgTx) JoinChat(chatID, user string, seq uint64) error {
	if seq > math.MaxInt64 {
		return poison("seq %d out of range", seq)
	}
	key := [2]string{storable(chatID), storable(user)}
	t.rows.init()
	t.rows.members[key] = &seqRow{known: true, seq: seq}
	return t.enqueue(`INSERT INTO `+t.table("read_states")+` (chat_id, user_id, last_read_seq) VALUES ($1, $2, $3)
		ON CONFLICT (chat_id, user_id) DO UPDATE SET last_read_seq = excluded.last_read_seq`, key[0], key[1], int64(seq))
}

// LeaveChat queues the deletion and keeps the row in the cache as gone.
func (t *pgTx) LeaveChat(chatID, user string) error {
	key := [2]string{storable(chatID), storable(user)}
	t.rows.init()
	t.rows.members[key] = &seqRow{}
	return t.enqueue(`DELETE FROM `+t.table("read_states")+` WHERE chat_id = $1 AND user_id = $2`, key[0], key[1])
}

func (t *pgTx) Uncount(chatID string, seq uint64) error {
	if seq > math.MaxInt64 {
		return poison("seq %d out of range", seq)
	}
	return t.enqueue(`INSERT INTO `+t.table("uncounted")+` (chat_id, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		storable(chatID), int64(seq))
}

func (t *pgTx) chatRow(chatID string) (*seqRow, error) {
	chatID = storable(chatID)
	if err := t.loadChat(chatID); err != nil {
		return nil, err
	}
	return t.rows.chats[chatID], nil
}

// memberRow returns user's row in chat; a user the loaded chat does not
// have gets a row that is not known.
func (t *pgTx) memberRow(chatID, user string) (*seqRow, error) {
	key := [2]string{storable(chatID), storable(user)}
	if err := t.loadChat(key[0]); err != nil {
		return nil, err
	}
	r, ok := t.rows.members[key]
	if !ok {
		r = &seqRow{}
		t.rows.members[key] = r
	}
	return r, nil
}

// loadChat reads the chat's latest seq and every member's pointer, in one
// query after sending the queued writes (so that it sees them), unless
// this transaction has them already.
func (t *pgTx) loadChat(chatID string) error {
	t.rows.init()
	if t.loaded[chatID] {
		return nil
	}
	if err := t.send(); err != nil {
		return err
	}
	rows, err := t.conn.Query(t.ctx, `SELECT c.latest_seq, r.user_id, r.last_read_seq FROM `+t.table("chats")+` c
		LEFT JOIN `+t.table("read_states")+` r ON r.chat_id = c.chat_id WHERE c.chat_id = $1`, chatID)
	if err != nil {
		return err
	}
	chatRow := &seqRow{}
	var latest, last int64
	var user *string
	_, err = pgx.ForEachRow(rows, []any{&latest, &user, &last}, func() error {
		chatRow.known, chatRow.seq = true, uint64(latest)
		if user != nil {
			t.rows.members[[2]string{chatID, *user}] = &seqRow{known: true, seq: uint64(last)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.rows.chats[chatID] = chatRow
	t.markLoaded(chatID)
	return nil
}

func (t *pgTx) markLoaded(chatID string) {
	if t.loaded == nil {
		t.loaded = map[string]bool{}
	}
	t.loaded[chatID] = true
}

// queueRows queues the read-state rows that changed, one statement per
// table.
func (t *pgTx) queueRows() error {
	var ids []string
	var seqs []int64
	for id, r := range t.rows.chats {
		if r.dirty {
			ids, seqs = append(ids, id), append(seqs, int64(r.seq))
		}
	}
	if len(ids) > 0 {
		if err := t.enqueue(`UPDATE `+t.table("chats")+` AS c SET latest_seq = v.seq
			FROM unnest($1::text[], $2::bigint[]) AS v(chat_id, seq) WHERE c.chat_id = v.chat_id`, ids, seqs); err != nil {
			return err
		}
	}
	var chats, users []string
	seqs = nil
	for key, r := range t.rows.members {
		if r.dirty {
			chats, users, seqs = append(chats, key[0]), append(users, key[1]), append(seqs, int64(r.seq))
		}
	}
	if len(chats) > 0 {
		if err := t.enqueue(`UPDATE `+t.table("read_states")+` AS r SET last_read_seq = v.seq
			FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(chat_id, user_id, seq)
			WHERE r.chat_id = v.chat_id AND r.user_id = v.user_id`, chats, users, seqs); err != nil {
			return err
		}
	}
	t.rows, t.loaded = readRows{}, nil
	return nil
}

// flush sends everything queued, changed rows included.
func (t *pgTx) flush() error {
	if err := t.queueRows(); err != nil {
		return err
	}
	return t.send()
}

// Commit sends what is left with the COMMIT, in one round trip. After an
// error nothing is committed (PostgreSQL skips the rest of a failed
// pipeline); Rollback then ends the transaction.
func (t *pgTx) Commit() error {
	if t.done {
		return errTxDone
	}
	if err := t.queueRows(); err != nil {
		return err
	}
	t.queueErrors()
	t.queue.Queue(`COMMIT`)
	if err := t.send(); err != nil {
		return err
	}
	t.release()
	return nil
}

// Rollback ends the transaction; after Commit it does nothing.
func (t *pgTx) Rollback() error {
	if t.done {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), 5*time.Second)
	defer cancel()
	_, err := t.conn.Exec(ctx, `ROLLBACK`)
	t.release()
	return err
}

// release returns the connection to the pool, which closes it instead when
// it is still inside a transaction or broken.
func (t *pgTx) release() {
	t.done = true
	t.conn.Release()
}

var errTxDone = errors.New("projections: transaction already ended")

// PostgreSQL text cannot hold U+0000 (nor invalid UTF-8, which decoded
// events never have): the PostgreSQL read model stores U+FFFD in its
// place, in every text column and in context, and maps query parameters
// the same way, so such rows are kept and found.

// storable replaces what PostgreSQL text cannot hold by U+FFFD.
func storable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func storableAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = storable(s)
	}
	return out
}

// storableJSON returns v with storable strings and keys (a copy only
// where something changes).
func storableJSON(v any) any {
	switch v := v.(type) {
	case string:
		return storable(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = storableJSON(e)
		}
		return out
	case map[string]any:
		if v == nil {
			return v
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[storable(k)] = storableJSON(e)
		}
		return out
	}
	return v
}
