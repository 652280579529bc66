package embedded_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

type asyncResult struct {
	res events.AppendResult
	err error
}

// appendAsync calls AppendAsync and returns a channel that receives its
// one answer (and would receive a second one, which the tests check for).
func appendAsync(t *testing.T, st *embedded.Store, stream string, exp events.ExpectedRevision, evs ...events.EventData) chan asyncResult {
	t.Helper()
	out := make(chan asyncResult, 2)
	if err := st.AppendAsync(stream, exp, evs, func(res events.AppendResult, err error) { out <- asyncResult{res, err} }); err != nil {
		t.Fatalf("AppendAsync %s: %v", stream, err)
	}
	return out
}

// TestAppendAsync checks that AppendAsync answers like Append: success with
// revision and position, the event readable once answered, a conflict as
// ErrWrongExpectedRevision, and exactly one answer per append.
func TestAppendAsync(t *testing.T) {
	st := open(t, embedded.Config{Dir: t.TempDir()})
	defer st.Close()
	first := <-appendAsync(t, st, "chat-1", events.NoStream(), num(0), num(1))
	if first.err != nil || first.res.NextExpectedRevision != 1 || first.res.Position != 2 {
		t.Fatalf("first append: %+v", first)
	}
	if n := count(t, st); n != 2 {
		t.Fatalf("%d events readable after the answer, want 2", n)
	}
	conflict := appendAsync(t, st, "chat-1", events.NoStream(), num(2))
	if r := <-conflict; !errors.Is(r.err, events.ErrWrongExpectedRevision) {
		t.Fatalf("conflicting append: %+v, want ErrWrongExpectedRevision", r)
	}
	answers := make([]chan asyncResult, 100)
	for i := range answers {
		answers[i] = appendAsync(t, st, fmt.Sprintf("chat-%d", i%7), events.Any(), num(i))
	}
	for i, ch := range answers {
		if r := <-ch; r.err != nil {
			t.Fatalf("append %d: %v", i, r.err)
		}
	}
	mustAppend(t, st, "chat-1", events.Any(), num(0)) // every earlier batch has answered
	for i, ch := range answers {
		select {
		case r := <-ch:
			t.Fatalf("append %d answered twice: %+v", i, r)
		default:
		}
	}
}

// TestAppendAsyncRefused checks the errors AppendAsync returns at once, in
// which case done is never called.
func TestAppendAsyncRefused(t *testing.T) {
	dir := t.TempDir()
	st := open(t, embedded.Config{Dir: dir})
	called := make(chan struct{}, 4)
	done := func(events.AppendResult, error) { called <- struct{}{} }
	if err := st.AppendAsync("chat-1", events.Any(), []events.EventData{{Type: "X", Data: []byte("[1]")}}, done); !errors.Is(err, events.ErrInvalidEvent) {
		t.Fatalf("invalid event: %v, want ErrInvalidEvent", err)
	}
	if err := st.AppendAsync("chat-1", events.Any(), []events.EventData{num(1)}, nil); !errors.Is(err, events.ErrInvalidEvent) {
		t.Fatalf("nil done: %v, want ErrInvalidEvent", err)
	}
	st.Close()
	if err := st.AppendAsync("chat-1", events.Any(), []events.EventData{num(1)}, done); !errors.Is(err, events.ErrClosed) {
		t.Fatalf("closed store: %v, want ErrClosed", err)
	}
	ro := open(t, embedded.Config{Dir: dir, ReadOnly: true})
	defer ro.Close()
	if err := ro.AppendAsync("chat-1", events.Any(), []events.EventData{num(1)}, done); !errors.Is(err, events.ErrReadOnly) {
		t.Fatalf("read-only store: %v, want ErrReadOnly", err)
	}
	if len(called) != 0 {
		t.Fatalf("done called %d times for refused appends", len(called))
	}
}

// TestCloseAnswersAsync checks that Close commits and answers every append
// AppendAsync had queued before it.
func TestCloseAnswersAsync(t *testing.T) {
	dir := t.TempDir()
	st := open(t, embedded.Config{Dir: dir})
	answers := make([]chan asyncResult, 200)
	for i := range answers {
		answers[i] = appendAsync(t, st, "chat-1", events.Any(), num(i))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for i, ch := range answers {
		select {
		case r := <-ch:
			if r.err != nil {
				t.Fatalf("append %d: %v", i, r.err)
			}
		default:
			t.Fatalf("append %d not answered by Close", i)
		}
	}
	ro := open(t, embedded.Config{Dir: dir, ReadOnly: true})
	defer ro.Close()
	if n := count(t, ro); n != len(answers) {
		t.Fatalf("%d events stored, want %d", n, len(answers))
	}
}
