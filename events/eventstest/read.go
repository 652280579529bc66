package eventstest

import (
	"github.com/linkup-chat/linkup/events"
)

func readCases() []testCase {
	return []testCase{
		{"ReadStreamRanges", testReadStreamRanges},
		{"ReadStreamNotFound", testReadStreamNotFound},
		{"ReadAllAfterAndLimit", testReadAllAfter},
		{"ReadAllFilters", testReadAllFilters},
		{"ReadAllThenAppendInLoop", testReadAllAppendInLoop},
	}
}

func testReadStreamRanges(e *env) {
	st := e.stream("ranges")
	for i := range 10 {
		e.mustAppend(st, events.Any(), ev(i))
	}
	tests := []struct {
		opts events.ReadStreamOptions
		want []int
	}{
		{events.ReadStreamOptions{From: 3, Limit: 4}, []int{3, 4, 5, 6}},
		{events.ReadStreamOptions{From: 8}, []int{8, 9}},
		{events.ReadStreamOptions{From: 10}, nil},
		{events.ReadStreamOptions{Limit: 2}, []int{0, 1}},
		{events.ReadStreamOptions{Backwards: true, FromEnd: true}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		{events.ReadStreamOptions{Backwards: true, FromEnd: true, Limit: 3}, []int{9, 8, 7}},
		{events.ReadStreamOptions{Backwards: true, From: 5, Limit: 3}, []int{5, 4, 3}},
		{events.ReadStreamOptions{Backwards: true, From: 1}, []int{1, 0}},
	}
	for _, tc := range tests {
		recs := e.mustReadStream(st, tc.opts)
		checkNumbers(e.t, recs, tc.want...)
		for _, r := range recs {
			if r.Revision != uint64(numOf(e.t, r).N) {
				e.t.Fatalf("%+v: revision %d holds event %d", tc.opts, r.Revision, numOf(e.t, r).N)
			}
		}
	}
}

func testReadStreamNotFound(e *env) {
	for _, opts := range []events.ReadStreamOptions{{}, {Backwards: true, FromEnd: true}, {From: 5}} {
		n := 0
		var last error
		for _, err := range e.s.ReadStream(e.ctx, e.stream("nothing"), opts) {
			n++
			last = err
		}
		if n != 1 {
			e.t.Fatalf("%+v: %d items yielded, want one error", opts, n)
		}
		wantErr(e.t, "read of a missing stream", last, events.ErrStreamNotFound)
	}
}

// appendSpread appends n events round-robin to streams a, b, c and returns
// the head before.
func (e *env) appendSpread(n int) uint64 {
	h0 := e.head()
	for i := range n {
		e.mustAppend(e.stream(string(rune('a'+i%3))), events.Any(), ev(i))
	}
	return h0
}

func testReadAllAfter(e *env) {
	h0 := e.appendSpread(9)
	all := e.mustReadAll(events.ReadAllOptions{After: h0, Filter: e.mine()})
	checkNumbers(e.t, all, seq(0, 9)...)
	checkIncreasing(e.t, all)
	rest := e.mustReadAll(events.ReadAllOptions{After: all[2].Position, Filter: e.mine()})
	checkNumbers(e.t, rest, seq(3, 9)...)
	two := e.mustReadAll(events.ReadAllOptions{After: all[2].Position, Limit: 2, Filter: e.mine()})
	checkNumbers(e.t, two, 3, 4)
	none := e.mustReadAll(events.ReadAllOptions{After: all[8].Position, Filter: e.mine()})
	checkNumbers(e.t, none)
}

func testReadAllFilters(e *env) {
	h0 := e.appendSpread(9)
	other := ev(100)
	other.Type = TestEventType + "Other"
	e.mustAppend(e.stream("b"), events.Any(), other)
	onlyA := events.Filter{StreamPrefixes: []string{e.stream("a")}}
	checkNumbers(e.t, e.mustReadAll(events.ReadAllOptions{After: h0, Filter: onlyA}), 0, 3, 6)
	aOrC := events.Filter{StreamPrefixes: []string{e.stream("a"), e.stream("c")}}
	checkNumbers(e.t, e.mustReadAll(events.ReadAllOptions{After: h0, Filter: aOrC}), 0, 2, 3, 5, 6, 8)
	typed := e.mine()
	typed.EventTypes = []string{other.Type}
	checkNumbers(e.t, e.mustReadAll(events.ReadAllOptions{After: h0, Filter: typed}), 100)
	bPlain := events.Filter{StreamPrefixes: []string{e.stream("b")}, EventTypes: []string{TestEventType}}
	checkNumbers(e.t, e.mustReadAll(events.ReadAllOptions{After: h0, Filter: bPlain}), 1, 4, 7)
}

// testReadAllAppendInLoop appends from inside a loop over ReadAll: the
// iterator must hold no lock that the append needs.
func testReadAllAppendInLoop(e *env) {
	h0 := e.appendSpread(3)
	n := 0
	abc := events.Filter{StreamPrefixes: []string{e.stream("a"), e.stream("b"), e.stream("c")}}
	for rec, err := range e.s.ReadAll(e.ctx, events.ReadAllOptions{After: h0, Filter: abc}) {
		if err != nil {
			e.t.Fatalf("read all: %v", err)
		}
		e.mustAppend(e.stream("echo"), events.Any(), ev(numOf(e.t, rec).N))
		n++
	}
	if n != 3 {
		e.t.Fatalf("read %d events, want 3", n)
	}
	if got := len(e.mustReadStream(e.stream("echo"), events.ReadStreamOptions{})); got != n {
		e.t.Fatalf("echo stream holds %d events, want %d", got, n)
	}
}
