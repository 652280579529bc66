package embedded_test

import (
	"database/sql"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// indexedEvents is well past the writer's index lag (2048), so that stream
// reads cross from the stream index into the unindexed tail.
const indexedEvents = 3 * 2100

// TestStreamIndexAndTail appends enough events to three interleaved streams
// for part of each to be indexed and part to sit in the tail, then reads
// every stream forwards, backwards and from the middle, in small pages,
// through the writer, through a read-only store and after reopening.
func TestStreamIndexAndTail(t *testing.T) {
	dir := t.TempDir()
	st := open(t, embedded.Config{Dir: dir, PageSize: 97})
	streams := []string{"chat-x", "chat-y", "chat-z"}
	for i := 0; i < indexedEvents; i += 10 {
		evs := make([]events.EventData, 10)
		for j := range evs {
			evs[j] = num(i + j)
		}
		mustAppend(t, st, streams[(i/10)%3], events.Any(), evs...)
	}
	checkStreams(t, st, streams, indexedEvents/3)
	ro := open(t, embedded.Config{Dir: dir, ReadOnly: true, PageSize: 50})
	checkStreams(t, ro, streams, indexedEvents/3)
	ro.Close()
	st.Close()
	st = open(t, embedded.Config{Dir: dir})
	defer st.Close()
	res := mustAppend(t, st, "chat-y", events.Exact(indexedEvents/3-1), num(-1))
	if res.NextExpectedRevision != indexedEvents/3 {
		t.Fatalf("after reopen: revision %d, want %d", res.NextExpectedRevision, indexedEvents/3)
	}
	checkStreams(t, st, streams[:1], indexedEvents/3)
}

// checkStreams reads each stream (of n events) in several ways and checks
// the revisions come complete and in order.
func checkStreams(t *testing.T, st events.Store, streams []string, n int) {
	t.Helper()
	for _, s := range streams {
		expectRevs(t, st, s, events.ReadStreamOptions{}, 0, n, 1)
		expectRevs(t, st, s, events.ReadStreamOptions{Backwards: true, FromEnd: true}, n-1, n, -1)
		expectRevs(t, st, s, events.ReadStreamOptions{From: uint64(n / 2), Limit: 300}, n/2, 300, 1)
		expectRevs(t, st, s, events.ReadStreamOptions{From: uint64(n - 10), Backwards: true, Limit: 200}, n-10, 200, -1)
	}
}

func expectRevs(t *testing.T, st events.Store, stream string, opts events.ReadStreamOptions, first, count, step int) {
	t.Helper()
	want, got := first, 0
	for rec, err := range st.ReadStream(ctxT(t), stream, opts) {
		if err != nil {
			t.Fatalf("%s %+v: %v", stream, opts, err)
		}
		if rec.Stream != stream || rec.Revision != uint64(want) {
			t.Fatalf("%s %+v: event %d is %s@%d, want %s@%d", stream, opts, got, rec.Stream, rec.Revision, stream, want)
		}
		want += step
		got++
	}
	if got != count {
		t.Fatalf("%s %+v: %d events, want %d", stream, opts, got, count)
	}
}

// indexBudget and maxTail are the store's limits on the index move
// (index.go): entries copied or deleted per commit of one event, and
// entries in stream_tail.
const (
	indexBudget = 256
	maxTail     = 4 * 2048
)

// TestIndexMoveSpread appends one event at a time to five interleaved
// streams until the first index move has finished, and after every
// transaction (an append's commit, or a step of the move between appends:
// idle.go) looks into the database: no transaction copies more than
// indexBudget entries (stream and type entries together), every event up
// to the watermark is indexed, and at every step of the move (stream
// entries copied, then type entries) each stream reads back complete and
// in order, forwards, backwards and by pages, and the log by type. Moving
// 2,048 entries in one transaction fails it. Since the writer is idle
// between the appends, the move's steps are its idle steps: no append's
// commit does any of the move's work.
func TestIndexMoveSpread(t *testing.T) {
	dir := t.TempDir()
	st := open(t, embedded.Config{Dir: dir, PageSize: 97})
	defer st.Close()
	db := openRaw(t, dir)
	streams := []string{"chat-a", "chat-b", "chat-c", "chat-d", "chat-e"}
	commits, ack, stop := embedded.StepCommits(st)
	defer stop() // before Close: a failed check leaves the writer waiting in the hand-over
	var prev indexRows
	copying, typing := 0, 0
	for i := 0; i < indexLag+200 || prev.index == 0 || prev.overlap(i) > 0; i++ {
		err := st.AppendAsync(streams[i%5], events.Any(), []events.EventData{num(i)}, func(_ events.AppendResult, err error) {
			if err != nil {
				t.Error(err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		for more := true; more; {
			c := <-commits
			cur := countIndex(t, db)
			if d := cur.index - prev.index + cur.types - prev.types; d > indexBudget || d != c.IndexWork {
				t.Fatalf("after %d appends a transaction copied %d entries into the indexes (it says %d), budget %d", i+1, d, c.IndexWork, indexBudget)
			}
			if c.IndexWork > 0 && !c.Idle {
				t.Fatalf("the commit of append %d did %d entries of the move, with the writer idle between appends", i, c.IndexWork)
			}
			if cur.tail > maxTail+1 {
				t.Fatalf("after %d appends %d events are past the watermark, bound %d", i+1, cur.tail, maxTail+1)
			}
			if c.IndexWork > 0 { // a step of a move
				if cur.types > prev.types {
					typing++
				} else {
					copying++
				}
				checkIndex(t, db)
				checkUneven(t, st, streams, i+1)
				checkTypes(t, st, i+1)
			}
			prev = cur
			more = c.IdleNext
			ack <- struct{}{}
		}
	}
	if copying < 2 || typing < 2 {
		t.Fatalf("the move took %d copying and %d typing transactions, want it spread over at least 2 of each", copying, typing)
	}
	if n := embedded.IdleSteps(st); n != int64(copying+typing) {
		t.Fatalf("%d idle steps, want the move's %d", n, copying+typing)
	}
}

// indexLag is the number of events past the watermark that starts a move.
const indexLag = 2048

// indexRows counts the rows of the two index tables and the events past
// the watermark.
type indexRows struct{ index, types, tail int }

// overlap is how many events are both in stream_index and past the
// watermark when events are stored.
func (r indexRows) overlap(events int) int { return r.index + r.tail - events }

// checkTypes reads the log by type (Num: every event) in pages of 97:
// events 0 to total-1, each once, in order.
func checkTypes(t *testing.T, st events.Store, total int) {
	t.Helper()
	n := 0
	for rec, err := range st.ReadAll(ctxT(t), events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{"Num", "None"}}}) {
		if err != nil {
			t.Fatal(err)
		}
		if got := string(rec.Data); got != string(num(n).Data) {
			t.Fatalf("by type: event %d is %s, want %s", n, got, num(n).Data)
		}
		n++
	}
	if n != total {
		t.Fatalf("by type: %d events, want %d", n, total)
	}
}

// TestStreamTailBounded makes commits of 1,000 events, then one of 9,000:
// the tail stays below maxTail plus one commit's events, the commit after
// the huge one finishes its move at once (counted in
// index_move_overruns_total), and every stream reads back whole.
func TestStreamTailBounded(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	st := open(t, embedded.Config{Dir: dir, Metrics: reg})
	defer st.Close()
	db := openRaw(t, dir)
	streams := []string{"chat-x", "chat-y", "chat-z"}
	total, sizes := 0, []int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 9000, 1, 1}
	for i, n := range sizes {
		evs := make([]events.EventData, n)
		for j := range evs {
			evs[j] = num(total + j)
		}
		mustAppend(t, st, streams[i%3], events.Any(), evs...)
		total += n
		if cur := countIndex(t, db); cur.tail > maxTail+n {
			t.Fatalf("after a commit of %d events, %d events are past the watermark, bound %d", n, cur.tail, maxTail+n)
		}
	}
	if n := counterValue(t, reg, "linkup_embedded_store_index_move_overruns_total"); n != 1 {
		t.Fatalf("%v overruns, want 1 (the commit after the one of 9,000 events)", n)
	}
	checkIndex(t, db)
	for i, s := range streams {
		n := 0
		for j, size := range sizes {
			if j%3 == i {
				n += size
			}
		}
		expectRevs(t, st, s, events.ReadStreamOptions{}, 0, n, 1)
	}
}

// openRaw opens the store's database file read-only with database/sql, to
// look into the index tables.
func openRaw(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+embedded.Path(dir)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func countIndex(t *testing.T, db *sql.DB) indexRows {
	t.Helper()
	var r indexRows
	err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM stream_index), (SELECT COUNT(*) FROM type_index),
	(SELECT COUNT(*) FROM events WHERE position > (SELECT position FROM indexed))`).Scan(&r.index, &r.types, &r.tail)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkIndex fails unless every event up to the watermark has its
// (stream, revision, position) entry in stream_index and its (type,
// position) entry in type_index, and neither table holds an entry of no
// event.
const (
	unindexedSQL = `SELECT COUNT(*) FROM events e WHERE e.position <= (SELECT position FROM indexed) AND NOT EXISTS (
	SELECT 1 FROM stream_index i WHERE i.stream_id = e.stream_id AND i.revision = e.revision AND i.position = e.position)`
	untypedSQL = `SELECT COUNT(*) FROM events e WHERE e.position <= (SELECT position FROM indexed) AND NOT EXISTS (
	SELECT 1 FROM type_index x WHERE x.type = e.type AND x.position = e.position)`
	strayIndexSQL = `SELECT COUNT(*) FROM stream_index i LEFT JOIN events e ON e.position = i.position
WHERE e.position IS NULL OR e.stream_id != i.stream_id OR e.revision != i.revision`
	strayTypeSQL = `SELECT COUNT(*) FROM type_index x LEFT JOIN events e ON e.position = x.position
WHERE e.position IS NULL OR e.type != x.type`
)

func checkIndex(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, q := range []string{unindexedSQL, untypedSQL, strayIndexSQL, strayTypeSQL} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d rows of %s", n, q)
		}
	}
}

// checkUneven reads streams round-robin filled with total events in all
// (each holds total/len plus one for the first total%len).
func checkUneven(t *testing.T, st events.Store, streams []string, total int) {
	t.Helper()
	for i, s := range streams {
		n := total / len(streams)
		if i < total%len(streams) {
			n++
		}
		expectRevs(t, st, s, events.ReadStreamOptions{}, 0, n, 1)
		expectRevs(t, st, s, events.ReadStreamOptions{Backwards: true, FromEnd: true}, n-1, n, -1)
		expectRevs(t, st, s, events.ReadStreamOptions{From: uint64(n / 3), Limit: 150}, n/3, 150, 1)
		expectRevs(t, st, s, events.ReadStreamOptions{From: uint64(n - 5), Backwards: true, Limit: 120}, n-5, 120, -1)
	}
}
