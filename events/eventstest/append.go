package eventstest

import (
	"time"

	"github.com/linkup-chat/linkup/events"
)

func appendCases() []testCase {
	return []testCase{
		{"AppendThenReadInOrder", testAppendReadOrder},
		{"AppendManyIsAtomicAndContiguous", testAppendMany},
		{"AppendKeepsGivenID", testKeepsID},
		{"HeadCoversLastAppend", testHead},
	}
}

func testAppendReadOrder(e *env) {
	st := e.stream("chat-1")
	before := time.Now().Add(-time.Minute)
	var results []events.AppendResult
	for i := range 10 {
		res := e.mustAppend(st, events.Any(), ev(i))
		if res.NextExpectedRevision != uint64(i) {
			e.t.Fatalf("append %d: next expected revision %d, want %d", i, res.NextExpectedRevision, i)
		}
		results = append(results, res)
	}
	recs := e.mustReadStream(st, events.ReadStreamOptions{})
	checkNumbers(e.t, recs, seq(0, 10)...)
	checkIncreasing(e.t, recs)
	for i, r := range recs {
		switch {
		case r.Revision != uint64(i):
			e.t.Fatalf("event %d: revision %d", i, r.Revision)
		case r.Position != results[i].Position || r.Position == 0:
			e.t.Fatalf("event %d: position %d, append said %d", i, r.Position, results[i].Position)
		case r.Stream != st || r.Type != TestEventType || r.ID == "":
			e.t.Fatalf("event %d: envelope %+v", i, r)
		case r.Time.Before(before) || r.Time.After(time.Now().Add(time.Minute)):
			e.t.Fatalf("event %d: time %s is not about now", i, r.Time)
		}
	}
}

func testAppendMany(e *env) {
	st := e.stream("chat-many")
	e.mustAppend(st, events.NoStream(), ev(0))
	res := e.mustAppend(st, events.Exact(0), ev(1), ev(2), ev(3), ev(4))
	if res.NextExpectedRevision != 4 {
		e.t.Fatalf("next expected revision %d, want 4", res.NextExpectedRevision)
	}
	recs := e.mustReadStream(st, events.ReadStreamOptions{})
	checkNumbers(e.t, recs, 0, 1, 2, 3, 4)
	checkIncreasing(e.t, recs)
	if recs[4].Position != res.Position {
		e.t.Fatalf("last event at %d, append said %d", recs[4].Position, res.Position)
	}
	_, err := e.s.Append(e.ctx, st, events.Exact(0), ev(5), ev(6), ev(7))
	wantErr(e.t, "multi-event append with stale revision", err, events.ErrWrongExpectedRevision)
	checkNumbers(e.t, e.mustReadStream(st, events.ReadStreamOptions{}), 0, 1, 2, 3, 4)
}

func testKeepsID(e *env) {
	st := e.stream("ids")
	id := newUUID()
	d := ev(0)
	d.ID = id
	e.mustAppend(st, events.NoStream(), d, ev(1))
	recs := e.mustReadStream(st, events.ReadStreamOptions{})
	if recs[0].ID != id {
		e.t.Fatalf("id %q, appended with %q", recs[0].ID, id)
	}
	if recs[1].ID == "" || recs[1].ID == id {
		e.t.Fatalf("generated id %q", recs[1].ID)
	}
}

func testHead(e *env) {
	h0 := e.head()
	res := e.mustAppend(e.stream("head"), events.Any(), ev(0))
	h1 := e.head()
	if res.Position <= h0 || h1 < res.Position {
		e.t.Fatalf("head %d before, append at %d, head %d after", h0, res.Position, h1)
	}
}
