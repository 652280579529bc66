package projections

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkup-chat/linkup/protocol"
)

// deliveryTables are the deliveries projection's tables (doc.go).
var deliveryTables = []tableSpec{
	{name: "delivery_chats", create: `CREATE TABLE delivery_chats%[1]s (
		chat_id TEXT PRIMARY KEY
	) WITHOUT ROWID`},
	itemRunsTable, // readmodel_sqlite_itemruns.go
	{name: "delivery_members", create: `CREATE TABLE delivery_members%[1]s (
		chat_id    TEXT NOT NULL,
		user       TEXT NOT NULL,
		joined_seq INTEGER NOT NULL,
		left_seq   INTEGER,
		PRIMARY KEY (chat_id, user, joined_seq)
	) WITHOUT ROWID`},
	{name: "delivery_marks", create: `CREATE TABLE delivery_marks%[1]s (
		chat_id       TEXT NOT NULL,
		user          TEXT NOT NULL,
		kind          TEXT NOT NULL,
		up_to         INTEGER NOT NULL,
		at            TEXT NOT NULL,
		connection_id TEXT NOT NULL,
		PRIMARY KEY (chat_id, user, kind, up_to)
	) WITHOUT ROWID`},
}

// Statement templates of the deliveries projection's Tx. In the templates
// naming a table twice, %[1]s repeats the set's suffix.
const (
	qDeliveryChat  = `INSERT OR IGNORE INTO delivery_chats%s (chat_id) VALUES (?)`
	qDeliveryKnown = `SELECT count(*) FROM delivery_chats%s WHERE chat_id = ?`
	qDeliveryJoin  = `INSERT OR IGNORE INTO delivery_members%s (chat_id, user, joined_seq, left_seq)
		SELECT ?1, ?2, ?3, NULL WHERE NOT EXISTS (SELECT 1 FROM delivery_members%[1]s
		WHERE chat_id = ?1 AND user = ?2 AND left_seq IS NULL)`
	qDeliveryLeave = `UPDATE delivery_members%s SET left_seq = ? WHERE chat_id = ? AND user = ? AND left_seq IS NULL`
	qDeliveryLast  = `SELECT coalesce(max(up_to), 0) FROM delivery_marks%s WHERE chat_id = ? AND user = ? AND kind = ?`
	qDeliveryMark  = `INSERT OR IGNORE INTO delivery_marks%s (chat_id, user, kind, up_to, at, connection_id)
		VALUES (?, ?, ?, ?, ?, ?)`
)

var deliveryQueries = append([]string{qSetCheckpoint, qPoison, qDeliveryChat, qDeliveryKnown, qRunTop, qRunsIn, qRunAt, qRunSet,
	qDeliveryJoin, qDeliveryLeave, qDeliveryLast, qDeliveryMark}, append(qInsertRuns[:], qDeliveryMarks[:]...)...)

// rowChunks are the numbers of rows one INSERT of item runs or marks
// writes (largest first); qDeliveryItems and qDeliveryMarks hold their
// statements. One statement for many rows saves the per-statement work
// (database/sql, binding, the VM's start and end), about 40 % of a
// one-row insert here.
var rowChunks = [...]int{64, 8, 1}

var (
	qDeliveryMarks = multiRow(`INSERT OR IGNORE INTO delivery_marks%s (chat_id, user, kind, up_to, at, connection_id) VALUES `, 6)
)

// multiRow makes one INSERT template per chunk size, of cols columns,
// each followed by tail.
func multiRow(head string, cols int, tail ...string) (out [len(rowChunks)]string) {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	for i, n := range rowChunks {
		out[i] = head + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + strings.Join(tail, "")
	}
	return out
}

// deliveryRows are the items and marks a transaction buffers until its
// commit; nothing in the transaction reads them back from SQL (the marks'
// highest up_to is in deliveryCache). Times are kept as the text stored,
// formatted once per event (an item and its sender's read mark share it:
// lastAt).
type deliveryRows struct {
	items  []deliveryItemRow
	marks  []deliveryMarkRow
	lastAt struct {
		t    time.Time
		text string
	}
}

type deliveryItemRow struct {
	chatID string
	seq    uint64
	at     string
	fresh  bool   // seq is above every item of the chat before it
	reader string // the sender, when this item holds their read mark
}

// ownReadSpan bounds the reads kept with their items. A read by the
// user's own message (DeliveryMark.Own) is not written to
// delivery_marks when its item is new and its seq is less than
// ownReadSpan above the user's highest read row in the chat: the item
// row holds it instead (reader = the user; the mark's time is the item's
// posted_at, its up_to the item's seq). In the many-small-chats load,
// where a user's messages are a few seqs apart, that leaves about one
// read row in 25 and, per transaction, far fewer pages of delivery_marks
// to write. So every read not in delivery_marks is an item of the user
// less than ownReadSpan above a read row before it (or above 0), and:
//   - the first read at or past seq N is the first of the user's first
//     read row at or past N and their first item in N..N+ownReadSpan-1
//     (a later one has a read row between N and it);
//   - the user's highest read is the highest of their highest read row R
//     and their highest item in R+1..R+ownReadSpan-1.
//
// Both are bounded reads of a chat's items, whatever the chat's length.
const ownReadSpan = 128

type deliveryMarkRow struct {
	m  DeliveryMark
	at string
}

// atText is formatTime(at), once for consecutive rows of one time.
func (b *deliveryRows) atText(at time.Time) string {
	if b.lastAt.text == "" || !b.lastAt.t.Equal(at) {
		b.lastAt.t, b.lastAt.text = at, formatTime(at)
	}
	return b.lastAt.text
}

// flushDeliveries writes the buffered items (as runs, writeItems) and
// marks, in key order (the pages they touch are then touched together),
// many rows a statement.
func (t *sqliteTx) flushDeliveries() error {
	items, marks := t.dbuf.items, t.dbuf.marks
	t.dbuf = deliveryRows{}
	items = sortItems(items)
	slices.SortFunc(marks, func(a, b deliveryMarkRow) int {
		return cmp.Or(cmp.Compare(a.m.ChatID, b.m.ChatID), cmp.Compare(a.m.User, b.m.User), cmp.Compare(a.m.Kind, b.m.Kind), cmp.Compare(a.m.UpTo, b.m.UpTo))
	})
	if err := t.writeItems(items); err != nil {
		return err
	}
	var chat, user boxed
	return writeChunks(t, qDeliveryMarks, marks, func(args []any, r deliveryMarkRow) []any {
		return append(args, chat.of(r.m.ChatID), user.of(r.m.User), kindArg(r.m.Kind), r.m.UpTo, r.at, r.m.ConnectionID)
	})
}

// sortItems orders items by chat and seq: the chats (a few hundred in a
// batch of thousands of items) are sorted, and the items placed by chat
// in the order they came, which is their seq order unless an item was
// applied out of order (then that chat's items are sorted). It costs a
// third of sorting the items themselves by string comparison.
func sortItems(items []deliveryItemRow) []deliveryItemRow {
	rank := make(map[string]int, 256)
	var chats []string
	for _, it := range items {
		if _, ok := rank[it.chatID]; !ok {
			rank[it.chatID] = 0
			chats = append(chats, it.chatID)
		}
	}
	slices.Sort(chats)
	start := make([]int, len(chats)+1)
	for i, c := range chats {
		rank[c] = i
	}
	for _, it := range items {
		start[rank[it.chatID]+1]++
	}
	for i := range chats {
		start[i+1] += start[i]
	}
	out := make([]deliveryItemRow, len(items))
	next := slices.Clone(start[:len(chats)])
	for _, it := range items {
		r := rank[it.chatID]
		out[next[r]] = it
		next[r]++
	}
	for i := range chats {
		chat := out[start[i]:start[i+1]]
		if !slices.IsSortedFunc(chat, compareItemSeq) {
			slices.SortStableFunc(chat, compareItemSeq)
		}
	}
	return out
}

func compareItemSeq(a, b deliveryItemRow) int { return cmp.Compare(a.seq, b.seq) }

// boxed is the last string passed as a statement argument, boxed: rows in
// key order repeat their chat (and user) row after row, and boxing each
// again would allocate each time.
type boxed struct {
	s string
	v any
}

func (b *boxed) of(s string) any {
	if b.v == nil || b.s != s {
		b.s, b.v = s, s
	}
	return b.v
}

// The mark kinds as statement arguments, boxed once.
var (
	argDelivered any = string(MarkDelivered)
	argRead      any = string(MarkRead)
)

func kindArg(k MarkKind) any {
	switch k {
	case MarkDelivered:
		return argDelivered
	case MarkRead:
		return argRead
	}
	return string(k)
}

// writeChunks inserts rows with the largest statements of tmpls that fit.
func writeChunks[R any](t *sqliteTx, tmpls [len(rowChunks)]string, rows []R, add func([]any, R) []any) error {
	var args []any
	for i, n := range rowChunks {
		for len(rows) >= n {
			args = args[:0]
			for _, r := range rows[:n] {
				args = add(args, r)
			}
			if _, err := t.exec(tmpls[i], args...); err != nil {
				return err
			}
			rows = rows[n:]
			// A flush writes thousands of rows at the end of a paced
			// batch: let the live path's queued goroutines run between
			// statements (runner_yield.go).
			runtime.Gosched()
		}
	}
	return nil
}

func (t *sqliteTx) AddDeliveryChat(chatID string, members []string) error {
	ok, err := affected(t.exec(qDeliveryChat, chatID))
	if err != nil || !ok {
		return err
	}
	t.deliv.init()
	t.deliv.chats[chatID] = true
	for _, m := range members {
		if err := t.JoinDeliveryMember(chatID, m, 0); err != nil {
			return err
		}
	}
	return nil
}

// DeliveryChatKnown and LastDeliveryMark read each row once per
// transaction and keep it (deliveryCache).
func (t *sqliteTx) DeliveryChatKnown(chatID string) (bool, error) {
	t.deliv.init()
	return kept(t.deliv.chats, t.shared().chats, chatID, func() (bool, error) {
		var n int
		err := t.queryRow(qDeliveryKnown, chatID).Scan(&n)
		return n > 0, err
	})
}

// shared is the row cache's delivery rows (empty without a row cache).
func (t *sqliteTx) shared() deliveryCache {
	if t.cache == nil {
		return deliveryCache{}
	}
	return t.cache.deliv
}

// kept returns mine[key], else shared[key] (kept in mine), else what load
// reads (kept in mine when it succeeds): a row read once per transaction
// and kept across transactions by the row cache.
func kept[K comparable, V any](mine, shared map[K]V, key K, load func() (V, error)) (V, error) {
	if v, ok := mine[key]; ok {
		return v, nil
	}
	if v, ok := shared[key]; ok {
		mine[key] = v
		return v, nil
	}
	v, err := load()
	if err == nil {
		mine[key] = v
	}
	return v, err
}

// AddDeliveryItem and AddDeliveryMark buffer the row until the commit
// (flushDeliveries). An item is fresh when its seq is above every item
// of the chat before it: only then is its row certainly the one written
// (INSERT OR IGNORE keeps the first row of a seq), and can it hold its
// sender's read (ownReadSpan).
func (t *sqliteTx) AddDeliveryItem(chatID string, seq uint64, at time.Time) error {
	top, err := t.deliveryTop(chatID)
	if err != nil {
		return err
	}
	if seq > top {
		t.deliv.tops[chatID] = seq
	}
	t.dbuf.items = append(t.dbuf.items, deliveryItemRow{chatID: chatID, seq: seq, at: t.dbuf.atText(at), fresh: seq > top})
	return nil
}

// deliveryTop is the highest item seq of a chat, read once per
// transaction (and kept in the row cache).
func (t *sqliteTx) deliveryTop(chatID string) (uint64, error) {
	t.deliv.init()
	return kept(t.deliv.tops, t.shared().tops, chatID, func() (uint64, error) {
		var top uint64
		err := t.queryRow(qRunTop, chatID).Scan(&top)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return top, err
	})
}

func (t *sqliteTx) JoinDeliveryMember(chatID, user string, seq uint64) error {
	_, err := t.exec(qDeliveryJoin, chatID, user, seq)
	return err
}

func (t *sqliteTx) LeaveDeliveryMember(chatID, user string, seq uint64) error {
	_, err := t.exec(qDeliveryLeave, seq, chatID, user)
	return err
}

func (t *sqliteTx) LastDeliveryMark(kind MarkKind, chatID, user string) (uint64, error) {
	h, err := t.markHigh(kind, chatID, user)
	return h.high, err
}

// markHigh reads a user's highest mark and highest mark row of a kind
// once per transaction (and keeps them in the row cache); a read's
// highest may be an item above the highest row (ownReadSpan).
func (t *sqliteTx) markHigh(kind MarkKind, chatID, user string) (markHigh, error) {
	t.deliv.init()
	key := [3]string{string(kind), chatID, user}
	return kept(t.deliv.marks, t.shared().marks, key, func() (markHigh, error) {
		var h markHigh
		if err := t.queryRow(qDeliveryLast, chatID, user, string(kind)).Scan(&h.row); err != nil {
			return h, err
		}
		h.high = h.row
		if kind == MarkRead {
			items, err := t.txItemsIn(chatID, h.row+1, spanEnd(h.row)-1)
			if err != nil {
				return h, err
			}
			for _, it := range items {
				if it.reader == user {
					h.high = max(h.high, it.seq)
				}
			}
		}
		return h, nil
	})
}

// spanEnd is seq + ownReadSpan, at most the highest seq SQLite stores.
func spanEnd(seq uint64) uint64 {
	if seq > math.MaxInt64-ownReadSpan {
		return math.MaxInt64
	}
	return seq + ownReadSpan
}

// AddDeliveryMark buffers a mark row, or, for a read by the user's own
// message close enough above their last read row, makes the item just
// buffered hold it (ownReadSpan).
func (t *sqliteTx) AddDeliveryMark(m DeliveryMark) error {
	h, err := t.markHigh(m.Kind, m.ChatID, m.User)
	if err != nil {
		return err
	}
	h.high = max(h.high, m.UpTo)
	key := [3]string{string(m.Kind), m.ChatID, m.User}
	if it := t.ownItem(m); it != nil && m.UpTo < spanEnd(h.row) {
		it.reader = m.User
		t.deliv.marks[key] = h
		return nil
	}
	h.row = max(h.row, m.UpTo)
	t.deliv.marks[key] = h
	t.dbuf.marks = append(t.dbuf.marks, deliveryMarkRow{m: m, at: t.dbuf.atText(m.At)})
	return nil
}

// ownItem is the buffered item that can hold m: the last one, when m is
// a read by its message and it is fresh (and the user's id, valid UTF-8,
// is the same once written as JSON).
func (t *sqliteTx) ownItem(m DeliveryMark) *deliveryItemRow {
	n := len(t.dbuf.items)
	if !m.Own || m.Kind != MarkRead || n == 0 || !utf8.ValidString(m.User) {
		return nil
	}
	it := &t.dbuf.items[n-1]
	if !it.fresh || it.reader != "" || it.chatID != m.ChatID || it.seq != m.UpTo || it.at != t.dbuf.atText(m.At) {
		return nil
	}
	return it
}

// queryRow runs a one-row query template on the transaction's table set,
// through the statement Begin prepared.
func (t *sqliteTx) queryRow(tmpl string, args ...any) *sql.Row {
	if st := t.stmt(tmpl); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, setQuery(tmpl, t.set), args...)
}

// deliveryItemsQuery lists the members at seq ?1 (joined at or before it,
// not removed by then) with their first delivered and read mark rows at
// or past it (the read's up_to too).
const deliveryItemsQuery = `SELECT m.user,
	(SELECT d.at FROM delivery_marks d WHERE d.chat_id = m.chat_id AND d.user = m.user
		AND d.kind = 'delivered' AND d.up_to >= ?1 ORDER BY d.up_to LIMIT 1),
	(SELECT d.connection_id FROM delivery_marks d WHERE d.chat_id = m.chat_id AND d.user = m.user
		AND d.kind = 'delivered' AND d.up_to >= ?1 ORDER BY d.up_to LIMIT 1),
	(SELECT r.up_to FROM delivery_marks r WHERE r.chat_id = m.chat_id AND r.user = m.user
		AND r.kind = 'read' AND r.up_to >= ?1 ORDER BY r.up_to LIMIT 1),
	(SELECT r.at FROM delivery_marks r WHERE r.chat_id = m.chat_id AND r.user = m.user
		AND r.kind = 'read' AND r.up_to >= ?1 ORDER BY r.up_to LIMIT 1)
	FROM delivery_members m
	WHERE m.chat_id = ?2 AND m.joined_seq <= ?1 AND (m.left_seq IS NULL OR m.left_seq > ?1)
	ORDER BY m.user LIMIT ?3`

// Deliveries answers the delivery audit of one item from the live tables,
// in one read transaction.
func (s *SQLite) Deliveries(ctx context.Context, q protocol.DeliveriesQuery) (protocol.Deliveries, error) {
	a := protocol.Deliveries{ChatID: q.Chat, Seq: q.Seq, Items: []protocol.DeliveryItem{}}
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return a, fmt.Errorf("projections: query deliveries: %w", err)
	}
	defer tx.Rollback()
	items, err := itemsIn(ctx, liveRuns(tx), q.Chat, q.Seq, spanEnd(q.Seq)-1)
	if err != nil {
		return a, fmt.Errorf("projections: query deliveries: %w", err)
	}
	if len(items) == 0 || items[0].seq != q.Seq {
		return a, fmt.Errorf("chat %q seq %d: %w", q.Chat, q.Seq, ErrUnknownItem)
	}
	if a.PostedAt, err = parseTime(items[0].at); err != nil {
		return a, fmt.Errorf("projections: query deliveries: %w", err)
	}
	own := ownReads(items)
	rows, err := tx.QueryContext(ctx, deliveryItemsQuery, q.Seq, q.Chat, protocol.MaxDeliveryItems)
	if err != nil {
		return a, fmt.Errorf("projections: query deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanDeliveryItem(rows, own)
		if err != nil {
			return a, fmt.Errorf("projections: query deliveries: %w", err)
		}
		a.Items = append(a.Items, it)
	}
	return a, rows.Err()
}

// ownRead is a read kept with its item: the item's seq and time.
type ownRead struct {
	seq uint64
	at  string
}

// ownReads are each user's first read kept with one of items (those in
// q.Seq..q.Seq+ownReadSpan-1, in seq order).
func ownReads(items []runItem) map[string]ownRead {
	own := map[string]ownRead{}
	for _, it := range items {
		if _, ok := own[it.reader]; !ok && it.reader != "" {
			own[it.reader] = ownRead{seq: it.seq, at: it.at}
		}
	}
	return own
}

// liveRuns queries the live table's runs (qRunsIn) in a read transaction.
func liveRuns(tx *sql.Tx) rowsQuerier {
	q := setQuery(qRunsIn, "")
	return func(ctx context.Context, args ...any) (*sql.Rows, error) { return tx.QueryContext(ctx, q, args...) }
}

// scanDeliveryItem reads one member's row; their read is the first of
// their read row and their read kept with an item (ownReadSpan).
func scanDeliveryItem(rows *sql.Rows, own map[string]ownRead) (protocol.DeliveryItem, error) {
	var it protocol.DeliveryItem
	var delivered, conn, read sql.NullString
	var readUpTo sql.NullInt64
	if err := rows.Scan(&it.User, &delivered, &conn, &readUpTo, &read); err != nil {
		return it, err
	}
	if o, ok := own[it.User]; ok && (!readUpTo.Valid || o.seq < uint64(readUpTo.Int64)) {
		read = sql.NullString{String: o.at, Valid: true}
	}
	var err error
	if it.DeliveredAt, err = nullTime(delivered); err != nil {
		return it, err
	}
	if conn.Valid {
		it.DeliveredConnectionID = &conn.String
	}
	it.ReadAt, err = nullTime(read)
	return it, err
}

func nullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	return &t, err
}
