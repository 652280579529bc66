package projections

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// delivery_item_runs holds the deliveries projection's timeline items on
// SQLite: each row is a run of items of one chat, the fresh items (above
// every item before them) one transaction added, at most maxRunItems, as
// a JSON array of [seq, posted_at] or [seq, posted_at, reader] in seq
// order; first_seq and last_seq are its lowest and highest seq, and the
// runs of a chat cover disjoint seq ranges. In the many-small-chats load
// a one-second transaction adds about ten items a chat: one row instead
// of ten saves most of what writing an item cost (the statement's row,
// the B-tree seek and insert, the binding). The rows go in id order, at
// the table's end, so that a transaction writes its runs into a few new
// pages; only the index of (chat_id, first_seq), of small entries, is
// written where each chat's runs are (rows keyed by chat, a few hundred
// bytes each, split a page of each chat every few transactions, and
// each split rewrote three). The view delivery_items (deliveryItemsView)
// shows one row per item, as the table of that name did before.
var itemRunsTable = tableSpec{name: "delivery_item_runs", create: `CREATE TABLE delivery_item_runs%[1]s (
		id        INTEGER PRIMARY KEY,
		chat_id   TEXT NOT NULL,
		first_seq INTEGER NOT NULL,
		last_seq  INTEGER NOT NULL,
		items     TEXT NOT NULL
	)`, keys: []string{
	`CREATE UNIQUE INDEX delivery_item_runs%[1]s_chat ON delivery_item_runs%[1]s (chat_id, first_seq)`,
}}

// maxRunItems bounds a run, so that reading one item parses at most
// that many.
const maxRunItems = 16

// deliveryItemsView is the analyst's delivery_items: one row per item.
const deliveryItemsView = `CREATE VIEW delivery_items AS
	SELECT r.chat_id, j.value ->> 0 AS seq, j.value ->> 1 AS posted_at, j.value ->> 2 AS reader
	FROM delivery_item_runs r, json_each(r.items) j`

// Statement templates of the runs.
const (
	// qRunsIn reads the runs of chat ?1 that may hold seqs in ?2..?3:
	// the one at or below ?2 and those starting above it, up to ?3.
	qRunsIn = `SELECT items FROM delivery_item_runs%s WHERE chat_id = ?1 AND first_seq <= ?3
		AND first_seq >= coalesce((SELECT first_seq FROM delivery_item_runs%[1]s WHERE chat_id = ?1 AND first_seq <= ?2
		ORDER BY first_seq DESC LIMIT 1), 0) ORDER BY first_seq`
	qRunTop = `SELECT last_seq FROM delivery_item_runs%s WHERE chat_id = ? ORDER BY first_seq DESC LIMIT 1`
	qRunAt  = `SELECT first_seq, items FROM delivery_item_runs%s WHERE chat_id = ?1 AND first_seq <= ?2
		ORDER BY first_seq DESC LIMIT 1`
	qRunSet = `UPDATE delivery_item_runs%s SET items = ? WHERE chat_id = ? AND first_seq = ?`
)

var qInsertRuns = multiRow(`INSERT INTO delivery_item_runs%s (chat_id, first_seq, last_seq, items) VALUES `, 4)

// runItem is one item of a run.
type runItem struct {
	seq    uint64
	at     string
	reader string
}

// appendRunItem appends it's JSON array. at is formatTime's text (no
// character to escape); the reader is a valid UTF-8 string (ownItem).
func appendRunItem(b []byte, it runItem) []byte {
	b = append(b, '[')
	b = strconv.AppendUint(b, it.seq, 10)
	b = append(b, ',', '"')
	b = append(b, it.at...)
	b = append(b, '"')
	if it.reader != "" {
		b = append(b, ',')
		b = appendJSONString(b, it.reader)
	}
	return append(b, ']')
}

// appendJSONString appends s as a JSON string; s is valid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// decodeRun parses a run's items (as written here, or by the migration
// of an older table: json_array(seq, posted_at, reader) with a null
// reader).
func decodeRun(text string) ([]runItem, error) {
	var raw [][]json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("delivery item run: %w", err)
	}
	out := make([]runItem, 0, len(raw))
	for _, r := range raw {
		var it runItem
		if len(r) < 2 || len(r) > 3 {
			return nil, fmt.Errorf("delivery item run: item of %d values", len(r))
		}
		if err := json.Unmarshal(r[0], &it.seq); err != nil {
			return nil, fmt.Errorf("delivery item run: seq: %w", err)
		}
		if err := json.Unmarshal(r[1], &it.at); err != nil {
			return nil, fmt.Errorf("delivery item run: posted_at: %w", err)
		}
		if len(r) == 3 && string(r[2]) != "null" {
			if err := json.Unmarshal(r[2], &it.reader); err != nil {
				return nil, fmt.Errorf("delivery item run: reader: %w", err)
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// rowsQuerier runs a query (a *sql.Tx or a *sql.Stmt bound to one).
type rowsQuerier func(ctx context.Context, args ...any) (*sql.Rows, error)

// itemsIn reads the items of chat with seq in lo..hi, in seq order,
// by query (qRunsIn on the caller's table set).
func itemsIn(ctx context.Context, query rowsQuerier, chat string, lo, hi uint64) ([]runItem, error) {
	rows, err := query(ctx, chat, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []runItem
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return nil, err
		}
		run, err := decodeRun(text)
		if err != nil {
			return nil, err
		}
		for _, it := range run {
			if it.seq >= lo && it.seq <= hi {
				out = append(out, it)
			}
		}
	}
	return out, rows.Err()
}

// txItemsIn is itemsIn on the transaction's table set.
func (t *sqliteTx) txItemsIn(chat string, lo, hi uint64) ([]runItem, error) {
	return itemsIn(t.ctx, func(ctx context.Context, args ...any) (*sql.Rows, error) {
		if st := t.stmt(qRunsIn); st != nil {
			return st.QueryContext(ctx, args...)
		}
		return t.tx.QueryContext(ctx, setQuery(qRunsIn, t.set), args...)
	}, chat, lo, hi)
}

// writeItems writes a flush's items, ordered by chat and seq (in each
// chat, the fresh ones in the order they came): the fresh items of a
// chat as new runs, each other item (rare: an item applied again, or out
// of order) where it belongs unless its seq is there already, as INSERT
// OR IGNORE kept the first row of a seq.
func (t *sqliteTx) writeItems(items []deliveryItemRow) error {
	var runs []itemRun
	var late []deliveryItemRow
	for i := 0; i < len(items); {
		j := i
		for j < len(items) && items[j].chatID == items[i].chatID {
			j++
		}
		var fresh []deliveryItemRow
		for _, it := range items[i:j] {
			if it.fresh {
				fresh = append(fresh, it)
			} else {
				late = append(late, it)
			}
		}
		for len(fresh) > 0 {
			n := min(len(fresh), maxRunItems)
			runs = append(runs, newRun(fresh[:n]))
			fresh = fresh[n:]
		}
		i = j
	}
	var chat boxed
	err := writeChunks(t, qInsertRuns, runs, func(args []any, r itemRun) []any {
		return append(args, chat.of(r.chatID), r.first, r.last, r.items)
	})
	if err != nil {
		return err
	}
	for _, it := range late {
		if err := t.insertLate(it); err != nil {
			return err
		}
	}
	return nil
}

// itemRun is a run as written.
type itemRun struct {
	chatID      string
	first, last uint64
	items       string
}

// newRun encodes fresh items of one chat, in seq order.
func newRun(items []deliveryItemRow) itemRun {
	b := make([]byte, 0, 2+len(items)*(len(timeFormat)+16))
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRunItem(b, runItem{seq: it.seq, at: it.at, reader: it.reader})
	}
	b = append(b, ']')
	return itemRun{chatID: items[0].chatID, first: items[0].seq, last: items[len(items)-1].seq, items: string(b)}
}

// insertLate writes an item that is not fresh: into the run whose range
// holds its seq (unless the seq is there), else as a run of its own.
func (t *sqliteTx) insertLate(it deliveryItemRow) error {
	var first uint64
	var text string
	err := t.queryRow(qRunAt, it.chatID, it.seq).Scan(&first, &text)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	one := runItem{seq: it.seq, at: it.at}
	if err == nil {
		run, err := decodeRun(text)
		if err != nil {
			return err
		}
		if last := run[len(run)-1].seq; it.seq <= last {
			i := 0
			for i < len(run) && run[i].seq < it.seq {
				i++
			}
			if run[i].seq == it.seq {
				return nil
			}
			run = append(run[:i], append([]runItem{one}, run[i:]...)...)
			_, err := t.exec(qRunSet, encodeRun(run), it.chatID, first)
			return err
		}
	}
	_, err = t.exec(qInsertRuns[len(rowChunks)-1], it.chatID, it.seq, it.seq, encodeRun([]runItem{one}))
	return err
}

func encodeRun(run []runItem) string {
	b := []byte{'['}
	for i, it := range run {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRunItem(b, it)
	}
	return string(append(b, ']'))
}

// migrateItems moves the rows of an older database's delivery_items
// table (one row per item) into runs of one item, and drops it; open then
// makes the view of that name.
func migrateItems(ctx context.Context, tx *sql.Tx) error {
	var kind string
	err := tx.QueryRowContext(ctx, `SELECT type FROM sqlite_master WHERE name = 'delivery_items'`).Scan(&kind)
	if err == sql.ErrNoRows || kind != "table" {
		return nil
	}
	if err != nil {
		return err
	}
	if err := addColumns(ctx, tx, legacyItemsTable); err != nil {
		return err
	}
	steps := []string{
		`INSERT INTO delivery_item_runs (chat_id, first_seq, last_seq, items)
			SELECT chat_id, seq, seq, json_array(json_array(seq, posted_at, reader)) FROM delivery_items`,
		`DROP TABLE delivery_items`,
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("migrate delivery_items: %w", err)
		}
	}
	return nil
}

// legacyItemsTable is delivery_items as a table, before the runs: its
// reader column came later than the table.
var legacyItemsTable = tableSpec{name: "delivery_items", added: []addedColumn{{"reader", "TEXT"}}}
