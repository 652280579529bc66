package eventstest

import (
	"errors"

	"github.com/linkup-chat/linkup/events"
)

func expectedCases() []testCase {
	return []testCase{{"ExpectedRevision", testExpected}}
}

// testExpected walks one stream through every kind of expected revision,
// checking after each refused append that nothing was written.
func testExpected(e *env) {
	st := e.stream("exp")
	steps := []struct {
		exp  events.ExpectedRevision
		ok   bool
		size int // stream length after the step
	}{
		{events.StreamExists(), false, 0},
		{events.Exact(0), false, 0},
		{events.NoStream(), true, 1},
		{events.NoStream(), false, 1},
		{events.StreamExists(), true, 2},
		{events.Exact(0), false, 2},
		{events.Exact(1), true, 3},
		{events.Exact(3), false, 3},
		{events.Exact(2), true, 4},
		{events.Any(), true, 5},
	}
	for i, s := range steps {
		_, err := e.s.Append(e.ctx, st, s.exp, ev(i))
		if s.ok && err != nil {
			e.t.Fatalf("step %d (%s): %v", i, s.exp, err)
		}
		if !s.ok && !errors.Is(err, events.ErrWrongExpectedRevision) {
			e.t.Fatalf("step %d (%s): error %v, want ErrWrongExpectedRevision", i, s.exp, err)
		}
		e.checkLen(st, s.size)
	}
}

func (e *env) checkLen(st string, n int) {
	e.t.Helper()
	recs, err := e.readStream(st, events.ReadStreamOptions{})
	if n == 0 {
		wantErr(e.t, "read of a stream never written", err, events.ErrStreamNotFound)
		return
	}
	if err != nil {
		e.t.Fatalf("read %s: %v", st, err)
	}
	if len(recs) != n {
		e.t.Fatalf("stream %s holds %d events, want %d", st, len(recs), n)
	}
	for i, r := range recs {
		if r.Revision != uint64(i) {
			e.t.Fatalf("stream %s: revision %d at index %d", st, r.Revision, i)
		}
	}
}
