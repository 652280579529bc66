package embedded_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// TestBatchesOfEverySizeRoundTrip appends events in appends of 1 to 40
// events from many streams at once, so that the writer commits batches of
// many sizes (one INSERT of the exact size up to 16 rows, chunks past it),
// and checks that what a subscription gets from the feed and what a read
// gets from SQLite are exactly what was appended: ids (given canonical,
// given upper-case, or none), data, metadata, streams and revisions. The
// callers reuse their buffers once an append is queued, which must not
// change what is stored, and data is stored as TEXT, which analysts'
// json_extract needs.
func TestBatchesOfEverySizeRoundTrip(t *testing.T) {
	dir := t.TempDir()
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	const streams, appends = 24, 10
	var want []events.RecordedEvent
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := subscribeAll(ctx, t, st, expectedTotal(streams, appends))
	for s := range streams {
		wg.Go(func() {
			stream := fmt.Sprintf("chat-batch-%d", s)
			buf := make([]byte, 0, 64)
			rev := uint64(0)
			for a := range appends {
				n := 1 + (s*appends+a)%40
				evs := make([]events.EventData, n)
				for i := range evs {
					buf = fmt.Appendf(buf[:0], `{"s":%d,"a":%d,"i":%d,"body":"<é\u2028>"}`, s, a, i)
					evs[i] = events.EventData{Type: "Num", Metadata: events.Metadata{CorrelationID: fmt.Sprint("c", a), Node: "n\"1"}}
					evs[i].Data = append([]byte(nil), buf...)
					switch i % 3 {
					case 0:
						evs[i].ID = uuid.NewString()
					case 1:
						evs[i].ID = strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")) // no hyphens, upper case
					}
				}
				exp := make([]events.RecordedEvent, n)
				for i, ev := range evs {
					id := ev.ID
					if id != "" {
						id = uuid.MustParse(id).String()
					}
					exp[i] = events.RecordedEvent{ID: id, Stream: stream, Revision: rev + uint64(i), Type: ev.Type,
						Data: append([]byte(nil), ev.Data...), Metadata: ev.Metadata}
				}
				if _, err := st.Append(ctx, stream, events.Any(), evs...); err != nil {
					t.Error(err)
					return
				}
				for i := range evs { // the caller reuses its buffers
					clear(evs[i].Data)
				}
				rev += uint64(n)
				mu.Lock()
				want = append(want, exp...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	fromFeed := <-got
	var fromSQL []events.RecordedEvent
	for rec, err := range st.ReadAll(ctx, events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		fromSQL = append(fromSQL, rec)
	}
	checkSame(t, "feed", want, fromFeed)
	checkSame(t, "read", want, fromSQL)
	checkStoredAsText(t, dir)
}

func expectedTotal(streams, appends int) int {
	n := 0
	for s := range streams {
		for a := range appends {
			n += 1 + (s*appends+a)%40
		}
	}
	return n
}

// subscribeAll returns the first n events of a subscription from the
// current end, once they are in.
func subscribeAll(ctx context.Context, t *testing.T, st events.Store, n int) <-chan []events.RecordedEvent {
	out := make(chan []events.RecordedEvent, 1)
	ready := make(chan struct{})
	go func() {
		var recs []events.RecordedEvent
		for d, err := range st.Subscribe(ctx, events.SubscribeOptions{FromEnd: true}) {
			if err != nil {
				t.Error(err)
				break
			}
			if d.CaughtUp {
				close(ready)
				continue
			}
			recs = append(recs, *d.Event)
			if len(recs) == n {
				break
			}
		}
		out <- recs
	}()
	<-ready
	return out
}

// checkSame compares the events by stream and revision, ignoring
// positions and times, and the ids the store made.
func checkSame(t *testing.T, from string, want, got []events.RecordedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", from, len(got), len(want))
	}
	key := func(r events.RecordedEvent) string { return fmt.Sprint(r.Stream, "/", r.Revision) }
	byKey := make(map[string]events.RecordedEvent, len(want))
	for _, w := range want {
		byKey[key(w)] = w
	}
	for _, g := range got {
		w, ok := byKey[key(g)]
		if !ok {
			t.Fatalf("%s: unexpected %s", from, key(g))
		}
		if w.ID == "" {
			if _, err := uuid.Parse(g.ID); err != nil {
				t.Fatalf("%s: %s: id %q", from, key(g), g.ID)
			}
			w.ID = g.ID
		}
		w.Position, w.Time = g.Position, g.Time
		if !reflect.DeepEqual(w, g) {
			t.Fatalf("%s: %s\n got %+v (data %s)\nwant %+v (data %s)", from, key(g), g, g.Data, w, w.Data)
		}
	}
}

// checkStoredAsText fails unless every event's data and metadata are TEXT.
func checkStoredAsText(t *testing.T, dir string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+embedded.Path(dir)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var bad int
	if err := db.QueryRow(`SELECT COUNT(*) FROM events WHERE typeof(data) != 'text' OR typeof(metadata) != 'text'`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Fatalf("%d events not stored as TEXT", bad)
	}
}
