package embedded_test

import (
	"testing"

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
