package embedded

import (
	"testing"

	"github.com/linkup-chat/linkup/events"
)

func recsAt(from, to uint64, size int) []*events.RecordedEvent {
	var out []*events.RecordedEvent
	for p := from; p <= to; p++ {
		out = append(out, &events.RecordedEvent{Position: p, Stream: "s", Type: "T", Data: make([]byte, size)})
	}
	return out
}

// TestFeedBounds checks the ring's two bounds and its answers at their
// edges: a position whose next event was dropped must be sent to the store
// (ok false), the oldest held one must not.
func TestFeedBounds(t *testing.T) {
	f := newFeed(8, 1000, 10) // 8 events, 1,000 bytes, after head 10
	if _, _, _, ok := f.read(10, events.Filter{}, 100); !ok {
		t.Fatal("empty feed at the head sent the reader to the store")
	}
	if _, _, _, ok := f.read(9, events.Filter{}, 100); ok {
		t.Fatal("empty feed answered for an event before it")
	}
	f.publish(recsAt(11, 30, 10)) // 20 events of 10 bytes: the count bound holds 23..30
	if n, b := f.held(); n != 8 || b != 80 {
		t.Fatalf("held %d events, %d bytes; want 8, 80", n, b)
	}
	if _, _, _, ok := f.read(21, events.Filter{}, 100); ok {
		t.Fatal("answered after 21, but 22 was dropped")
	}
	recs, examined, more, ok := f.read(22, events.Filter{}, 5)
	if !ok || len(recs) != 5 || recs[0].Position != 23 || examined != 27 || !more {
		t.Fatalf("read after 22, limit 5: %d events from %d, examined %d, more %v, ok %v", len(recs), recs[0].Position, examined, more, ok)
	}
	f.publish(recsAt(31, 32, 600)) // the byte bound drops all but 32
	if n, b := f.held(); n != 1 || b != 600 {
		t.Fatalf("held %d events, %d bytes; want 1, 600", n, b)
	}
	f.publish(recsAt(40, 40, 2000)) // a gap empties the ring; one event over the byte bound is kept alone
	if n, _ := f.held(); n != 1 {
		t.Fatalf("held %d events after a gap, want 1", n)
	}
	if _, _, _, ok := f.read(38, events.Filter{}, 10); ok {
		t.Fatal("answered across the gap")
	}
	f.skip(50)
	if recs, examined, _, ok := f.read(50, events.Filter{}, 10); !ok || len(recs) != 0 || examined != 50 {
		t.Fatalf("after skip: %d events, examined %d, ok %v", len(recs), examined, ok)
	}
}
