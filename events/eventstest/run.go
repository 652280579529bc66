package eventstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// subtestTimeout bounds each subtest.
const subtestTimeout = 60 * time.Second

// TestEventType is the type of the suite's plain events; it is not
// registered in package events.
const TestEventType = "EventstestNumbered"

// Run runs the whole events.Store contract as subtests of t.
func Run(t *testing.T, newStore func(t *testing.T) events.Store) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			c.fn(newEnv(t, newStore))
		})
	}
}

type testCase struct {
	name string
	fn   func(*env)
}

func cases() []testCase {
	var all []testCase
	for _, group := range [][]testCase{appendCases(), expectedCases(), readCases(),
		concurrencyCases(), subscribeCases(), payloadCases(), closeCases()} {
		all = append(all, group...)
	}
	return all
}

// env is one subtest's store, context and stream prefix.
type env struct {
	t      *testing.T
	s      events.Store
	ctx    context.Context
	prefix string
}

func newEnv(t *testing.T, newStore func(t *testing.T) events.Store) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), subtestTimeout)
	t.Cleanup(cancel)
	s := newStore(t)
	t.Cleanup(func() { s.Close() })
	return &env{t: t, s: s, ctx: ctx, prefix: "t" + randomHex(6) + "-"}
}

// stream names a stream under the subtest's prefix.
func (e *env) stream(name string) string { return e.prefix + name }

// mine is a filter matching only this subtest's streams.
func (e *env) mine() events.Filter { return events.Filter{StreamPrefixes: []string{e.prefix}} }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID string.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// numbered is the suite's plain event: {"g": g, "n": n}.
type numbered struct {
	G int `json:"g"`
	N int `json:"n"`
}

func ev(n int) events.EventData { return evg(0, n) }

func evg(g, n int) events.EventData {
	data, _ := json.Marshal(numbered{G: g, N: n})
	return events.EventData{Type: TestEventType, Data: data}
}

func numOf(t *testing.T, rec events.RecordedEvent) numbered {
	t.Helper()
	var v numbered
	if err := json.Unmarshal(rec.Data, &v); err != nil {
		t.Fatalf("event at %d: data %q: %v", rec.Position, rec.Data, err)
	}
	return v
}

// mustAppend appends and fails the test on error.
func (e *env) mustAppend(stream string, exp events.ExpectedRevision, evs ...events.EventData) events.AppendResult {
	e.t.Helper()
	res, err := e.s.Append(e.ctx, stream, exp, evs...)
	if err != nil {
		e.t.Fatalf("append %d events to %s (%s): %v", len(evs), stream, exp, err)
	}
	return res
}

// head returns the store's Head, failing the test on error.
func (e *env) head() uint64 {
	e.t.Helper()
	h, err := e.s.Head(e.ctx)
	if err != nil {
		e.t.Fatalf("head: %v", err)
	}
	return h
}

// readStream collects a ReadStream; the error is the first one yielded.
func (e *env) readStream(stream string, opts events.ReadStreamOptions) ([]events.RecordedEvent, error) {
	return collect(e.s.ReadStream(e.ctx, stream, opts))
}

func (e *env) mustReadStream(stream string, opts events.ReadStreamOptions) []events.RecordedEvent {
	e.t.Helper()
	recs, err := e.readStream(stream, opts)
	if err != nil {
		e.t.Fatalf("read %s %+v: %v", stream, opts, err)
	}
	return recs
}

func (e *env) mustReadAll(opts events.ReadAllOptions) []events.RecordedEvent {
	e.t.Helper()
	recs, err := collect(e.s.ReadAll(e.ctx, opts))
	if err != nil {
		e.t.Fatalf("read all %+v: %v", opts, err)
	}
	return recs
}

func collect(seq func(func(events.RecordedEvent, error) bool)) ([]events.RecordedEvent, error) {
	var out []events.RecordedEvent
	for rec, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// checkNumbers fails unless recs carry numbers want, in order.
func checkNumbers(t *testing.T, recs []events.RecordedEvent, want ...int) {
	t.Helper()
	got := make([]int, len(recs))
	for i, r := range recs {
		got[i] = numOf(t, r).N
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("event numbers %v, want %v", got, want)
	}
}

// checkIncreasing fails unless positions strictly increase.
func checkIncreasing(t *testing.T, recs []events.RecordedEvent) {
	t.Helper()
	for i := 1; i < len(recs); i++ {
		if recs[i].Position <= recs[i-1].Position {
			t.Fatalf("position %d at index %d after %d", recs[i].Position, i, recs[i-1].Position)
		}
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}
