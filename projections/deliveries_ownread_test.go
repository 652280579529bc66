package projections

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
)

// ownReadStory appends to st, in chat "own", events from the n-th on up
// to the to-th: a user who posts most messages (runs longer than
// ownReadSpan), one who posts every 7th, one every 150th (more than
// ownReadSpan apart), reads that raise the pointer and one that does not,
// deliveries, a member added and one removed; every event at its own
// millisecond. It returns the chat's latest seq.
func ownReadStory(t testing.TB, st events.Store, from, to int) uint64 {
	t.Helper()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) }
	s := events.ChatStream("own")
	if from == 0 {
		appendEv(t, st, s, events.ChatCreated{ChatID: "own", Members: []string{"ann", "ben", "cat", "dan"}, CreatedBy: "ann", At: at(0)})
	}
	var seq uint64
	for i := 1; i < to; i++ {
		seq++
		var evs []events.Event
		sender := "ann"
		switch {
		case i%150 == 0:
			sender = "cat"
		case i%7 == 0:
			sender = "ben"
		}
		if i == 400 { // first after the restart: a read below ann's pointer, above her last read row
			evs = append(evs, events.ChatRead{ChatID: "own", User: "ann", LastReadSeq: seq - 4, At: at(i)})
		}
		evs = append(evs, events.MessagePosted{ChatID: "own", Seq: seq, MessageID: fmt.Sprint("m", seq), Sender: sender, Body: "x", ClientMsgID: fmt.Sprint("k", seq), SentAt: at(i)})
		switch {
		case i%97 == 0:
			evs = append(evs, events.ChatRead{ChatID: "own", User: "dan", LastReadSeq: seq - 3, At: at(i)})
		case i%61 == 0:
			evs = append(evs, events.ChatRead{ChatID: "own", User: "ann", LastReadSeq: seq - 50, At: at(i)}) // below her pointer
		case i%45 == 0:
			evs = append(evs, events.ChatRead{ChatID: "own", User: "ben", LastReadSeq: seq, At: at(i)})
		case i%13 == 0:
			evs = append(evs, events.MessagesDelivered{ChatID: "own", User: "cat", ConnectionID: fmt.Sprint("c", i), Node: "n1", DeliveredSeq: seq, At: at(i)})
		}
		if i == 333 {
			seq++
			evs = append(evs, events.MembersAdded{ChatID: "own", Seq: seq, Users: []string{"eve"}, Members: []string{"ann", "ben", "cat", "dan", "eve"}, By: "ann", At: at(i)})
		}
		if i == 555 {
			seq++
			evs = append(evs, events.MemberRemoved{ChatID: "own", Seq: seq, User: "ben", Members: []string{"ann", "cat", "dan", "eve"}, By: "ann", At: at(i)})
		}
		if i >= from {
			appendEv(t, st, s, evs...)
		}
	}
	return seq
}

// TestOwnReadsAgreeWithReplayAudit projects ownReadStory in two halves,
// reopening the read model between them (its row cache then starts
// empty, so the highest reads are read back from SQL), and asks every
// item of the chat: each answer must be replay audit's. SQLite keeps most
// of the reads by users' own messages with their items (ownReadSpan);
// the answers must not show it.
func TestOwnReadsAgreeWithReplayAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		st, loc := openStore(t, t.TempDir()), b.fresh(t)
		ownReadStory(t, st, 0, 400)
		rm1, err := b.open(context.Background(), loc, false)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		r, err := NewRunner(Config{Store: st, ReadModel: rm1, RetryDelay: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { r.Run(ctx); close(done) }()
		waitCaughtUp(t, st, rm1)
		cancel()
		<-done
		rm1.Close()

		rm := b.openAt(t, loc)
		startRunner(t, st, rm, nil)
		latest := ownReadStory(t, st, 400, 800)
		waitCaughtUp(t, st, rm)
		checkDeliveriesAgree(t, st, rm, map[string]uint64{"own": latest})
		if s, ok := rm.(*SQLite); ok {
			checkFewReadRows(t, s)
			checkDocReadQuery(t, s, latest)
		}
		// The rows are those of a projection without the restart: only
		// the reads that raised a pointer, though the pointers were read
		// back from SQL.
		live := dump(t, rm)
		if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: Deliveries{}, BatchSize: 50}); err != nil {
			t.Fatal(err)
		}
		if rebuilt := dump(t, rm); rebuilt != live {
			t.Errorf("rows after the restart differ from a rebuild's:\n%s", lineDiff(live, rebuilt))
		}
	})
}

// lineDiff lists the lines of a missing from b (-) and of b missing
// from a (+).
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		switch {
		case n > 0:
			out = append(out, "- "+l)
		case n < 0:
			out = append(out, "+ "+l)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// checkFewReadRows: most of ann's reads (her own messages, close
// together) are kept with their items, not as delivery_marks rows.
func checkFewReadRows(t *testing.T, s *SQLite) {
	t.Helper()
	var rows, items int
	if err := s.reader.QueryRow(`SELECT count(*) FROM delivery_marks WHERE chat_id = 'own' AND user = 'ann' AND kind = 'read'`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := s.reader.QueryRow(`SELECT count(*) FROM delivery_items WHERE chat_id = 'own' AND reader = 'ann'`).Scan(&items); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || items < 10*rows {
		t.Errorf("ann's reads: %d rows, %d kept with items; want most with items", rows, items)
	}
}

// TestOwnReadsOnAnOlderDatabase opens a read model made before
// delivery_items had its reader column, holding what that build wrote
// (every read a delivery_marks row, every item a row of the table
// delivery_items): open adds the column and moves the items into runs,
// and the reads projected before and after answer as replay audit does.
func TestOwnReadsOnAnOlderDatabase(t *testing.T) {
	ownReadsOnLegacyItems(t, false)
}

// TestOwnReadsOnLegacyItemsTable opens a read model made when
// delivery_items was a table with its reader column (reads kept with
// items): open moves its rows, readers too, into runs, and the reads
// projected before and after answer as replay audit does.
func TestOwnReadsOnLegacyItemsTable(t *testing.T) {
	ownReadsOnLegacyItems(t, true)
}

func ownReadsOnLegacyItems(t *testing.T, withReader bool) {
	st, dir := openStore(t, t.TempDir()), t.TempDir()
	ownReadStory(t, st, 0, 300)
	rm1, err := OpenSQLite(SQLiteConfig{Path: filepath.Join(dir, "readmodel.db")})
	if err != nil {
		t.Fatal(err)
	}
	var rm0 ReadModel = allReadRows{rm1}
	if withReader {
		rm0 = rm1
	}
	r, err := NewRunner(Config{Store: st, ReadModel: rm0, Projections: []Projection{Deliveries{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.commit(context.Background(), Deliveries{}, deliveriesOf(t, st), false); err != nil {
		t.Fatal(err)
	}
	before := toLegacyItems(t, rm1, withReader)
	rm1.Close()

	rm := openRM(t, dir)
	var kind string
	var items int
	if err := rm.reader.QueryRow(`SELECT type FROM sqlite_master WHERE name = 'delivery_items'`).Scan(&kind); err != nil || kind != "view" {
		t.Fatalf("delivery_items after open: %q (%v)", kind, err)
	}
	if err := rm.reader.QueryRow(`SELECT count(*) FROM delivery_items`).Scan(&items); err != nil || items != before {
		t.Fatalf("items after open: %d (%v), before %d", items, err, before)
	}
	if withReader {
		checkFewReadRows(t, rm)
	}
	startRunner(t, st, rm, nil)
	latest := ownReadStory(t, st, 300, 600)
	waitCaughtUp(t, st, rm)
	checkDeliveriesAgree(t, st, rm, map[string]uint64{"own": latest})
}

// toLegacyItems turns rm's item runs into the table delivery_items of
// older builds (with its reader column or without), as they wrote it, and
// returns its rows.
func toLegacyItems(t *testing.T, rm *SQLite, withReader bool) int {
	t.Helper()
	cols, vals := "", ""
	if withReader {
		cols, vals = ", reader TEXT", ", j.value ->> 2"
	}
	for _, q := range []string{
		`DROP VIEW delivery_items`,
		`CREATE TABLE delivery_items (chat_id TEXT NOT NULL, seq INTEGER NOT NULL, posted_at TEXT NOT NULL` + cols + `,
			PRIMARY KEY (chat_id, seq)) WITHOUT ROWID`,
		`INSERT INTO delivery_items SELECT r.chat_id, j.value ->> 0, j.value ->> 1` + vals + `
			FROM delivery_item_runs r, json_each(r.items) j`,
		`DROP TABLE delivery_item_runs`,
	} {
		if _, err := rm.writer.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var n int
	if err := rm.writer.QueryRow(`SELECT count(*) FROM delivery_items`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("legacy items: %d (%v)", n, err)
	}
	return n
}

// allReadRows is a read model whose deliveries keep every read as a
// delivery_marks row, as builds before ownReadSpan did.
type allReadRows struct{ ReadModel }

func (a allReadRows) Begin(ctx context.Context, name, set string) (Tx, error) {
	tx, err := a.ReadModel.Begin(ctx, name, set)
	if err != nil {
		return nil, err
	}
	return allReadRowsTx{tx}, nil
}

type allReadRowsTx struct{ Tx }

func (t allReadRowsTx) AddDeliveryMark(m DeliveryMark) error {
	m.Own = false
	return t.Tx.AddDeliveryMark(m)
}

// deliveriesOf reads the whole log of st as deliveries.
func deliveriesOf(t testing.TB, st events.Store) []events.Delivery {
	t.Helper()
	var out []events.Delivery
	for rec, err := range st.ReadAll(context.Background(), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, events.Delivery{Event: &rec, Position: rec.Position})
	}
	return out
}

// checkDocReadQuery runs doc.go's query for when a user first read an
// item, for each member and item: it must give the audit's read_at.
func checkDocReadQuery(t *testing.T, s *SQLite, latest uint64) {
	t.Helper()
	const q = `SELECT at FROM (SELECT up_to, at FROM delivery_marks WHERE chat_id = ?1 AND user = ?2 AND kind = 'read'
	    UNION ALL SELECT seq, posted_at FROM delivery_items WHERE chat_id = ?1 AND reader = ?2)
	WHERE up_to >= ?3 ORDER BY up_to LIMIT 1`
	for seq := uint64(1); seq <= latest; seq++ {
		a, err := s.Deliveries(context.Background(), protocol.DeliveriesQuery{Chat: "own", Seq: seq})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range a.Items {
			var at sql.NullString
			if err := s.reader.QueryRow(q, "own", it.User, seq).Scan(&at); err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatal(err)
			}
			if got, want := at.String, stampText(it.ReadAt); got != want {
				t.Fatalf("seq %d %s: doc query %q, audit %q", seq, it.User, got, want)
			}
		}
	}
}

func stampText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}
