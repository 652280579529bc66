package embedded

import (
	"sync"
	"sync/atomic"

	"github.com/linkup-chat/linkup/events"
)

// feed holds the most recently committed events in memory, in position
// order, for the subscriptions: the writer publishes each committed batch
// into it (publish), and a subscription reads what follows its position
// from it (read) instead of querying SQLite. It is one ring shared by every
// subscription, bounded in events and in data bytes; a subscription whose
// position has fallen out of it reads the store instead until it is back
// inside (no gap and no duplicate: both are addressed by position).
//
// The ring holds the positions first..last with no gap (the writer hands
// positions out one by one and reuses those of a rolled-back batch), each
// at slot position & mask. Empty, it has first == last+1.
type feed struct {
	mu       sync.RWMutex
	slots    []*events.RecordedEvent
	mask     uint64
	first    uint64
	last     uint64
	bytes    int // data held
	maxBytes int

	subs atomic.Int64 // live subscriptions; with none, publish skips building records
}

// newFeed makes an empty feed of capacity events (rounded up to a power
// of two) and maxBytes of data, positioned after head.
func newFeed(capacity, maxBytes int, head uint64) *feed {
	n := 1
	for n < capacity {
		n <<= 1
	}
	return &feed{slots: make([]*events.RecordedEvent, n), mask: uint64(n - 1), first: head + 1, last: head, maxBytes: maxBytes}
}

// held returns how many events and data bytes the feed holds.
func (f *feed) held() (int, int) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return int(f.last + 1 - f.first), f.bytes
}

// wanted reports whether anyone reads the feed; when not, the writer calls
// skip instead of building records.
func (f *feed) wanted() bool { return f.subs.Load() > 0 }

func (f *feed) join()  { f.subs.Add(1) }
func (f *feed) leave() { f.subs.Add(-1) }

// publish appends committed events, in position order, dropping the
// oldest past either bound. An event not following the last one (which the
// writer never produces) empties the ring first, so that it never holds a
// gap.
func (f *feed) publish(recs []*events.RecordedEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range recs {
		if r.Position != f.last+1 {
			f.reset(r.Position - 1)
		}
		if f.last+1-f.first == uint64(len(f.slots)) {
			f.dropOldest() // its slot is r's
		}
		f.slots[r.Position&f.mask] = r
		f.last = r.Position
		f.bytes += len(r.Data)
		for f.bytes > f.maxBytes && f.first < f.last {
			f.dropOldest()
		}
	}
}

// skip moves the feed past head without holding the events up to it (no
// one was reading): the ring is emptied and starts after head.
func (f *feed) skip(head uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reset(head)
}

func (f *feed) reset(head uint64) {
	for f.first <= f.last {
		f.dropOldest()
	}
	f.first, f.last, f.bytes = head+1, head, 0
}

// dropOldest forgets the oldest event. Its Data is let go at once: the
// record shares its batch's allocation with events still held, and readers
// took copies of it under the lock.
func (f *feed) dropOldest() {
	i := f.first & f.mask
	f.bytes -= len(f.slots[i].Data)
	f.slots[i].Data = nil
	f.slots[i] = nil
	f.first++
}

// read returns copies of up to limit events after position after that
// match filter, with the last position examined and whether the feed holds
// more past it. ok is false when the feed no longer holds the event after
// after: the caller must read the store from after first. Each copy shares
// its Data with the feed and the other subscriptions.
func (f *feed) read(after uint64, filter events.Filter, limit int) (recs []events.RecordedEvent, examined uint64, more, ok bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if after+1 < f.first {
		return nil, after, false, false
	}
	if after >= f.last {
		return nil, after, false, true
	}
	all := len(filter.StreamPrefixes) == 0 && len(filter.EventTypes) == 0
	if all {
		recs = make([]events.RecordedEvent, 0, min(uint64(limit), f.last-after))
	}
	pos := after
	for pos < f.last && len(recs) < limit {
		pos++
		r := f.slots[pos&f.mask]
		if all || filter.Matches(r.Stream, r.Type) {
			recs = append(recs, *r)
		}
	}
	return recs, pos, pos < f.last, true
}
