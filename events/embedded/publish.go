package embedded

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/linkup-chat/linkup/events"
)

// publish hands a committed batch's events to the feed, in position order,
// then wakes the subscriptions. It runs before the callers are answered,
// so an event is in the feed by the time its Append returns. With no
// subscription reading the feed it builds nothing and only moves the feed
// past the batch.
func (w *writer) publish(batch []*appendReq, now int64) {
	if w.feed.wanted() {
		w.feed.publish(w.records(batch, now))
	} else {
		w.feed.skip(w.committed.Load())
	}
	w.notify.broadcast()
}

// records builds the events of the batch's successful appends exactly as
// a read of the store returns them.
func (w *writer) records(batch []*appendReq, now int64) []*events.RecordedEvent {
	n := 0
	for i, req := range batch {
		if w.results[i].err == nil {
			n += len(req.rows)
		}
	}
	recs := make([]events.RecordedEvent, 0, n)
	ptrs := make([]*events.RecordedEvent, 0, n)
	at := time.Unix(0, now).UTC()
	for i, req := range batch {
		if w.results[i].err != nil {
			continue
		}
		for j := range req.rows {
			r := &req.rows[j]
			recs = append(recs, events.RecordedEvent{ID: r.id, Stream: req.stream, Revision: r.revision, Position: r.position,
				Type: r.typ, Time: at, Data: r.data, Metadata: storedMetadata(r)})
			ptrs = append(ptrs, &recs[len(recs)-1])
		}
	}
	return ptrs
}

// storedMetadata is r's metadata as a read decodes it from the stored
// JSON: the value given to Append unless a string in it is not valid
// UTF-8 (encoding replaced those bytes), in which case it is decoded.
func storedMetadata(r *row) events.Metadata {
	md := r.md
	if utf8.ValidString(md.CorrelationID) && utf8.ValidString(md.CausationID) && utf8.ValidString(md.Node) {
		return md
	}
	var out events.Metadata
	_ = json.Unmarshal([]byte(r.metadata), &out) // written by encodeMetadata: valid JSON
	return out
}
