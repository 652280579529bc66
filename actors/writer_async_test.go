package actors

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// stallingStore is an embedded store whose AppendAsync, for the stream
// "stalled", keeps the callback instead of appending: a store that has
// stopped answering.
type stallingStore struct {
	*embedded.Store
	mu    sync.Mutex
	held  []func(events.AppendResult, error)
	calls int
}

func (s *stallingStore) AppendAsync(stream string, exp events.ExpectedRevision, evs []events.EventData, done func(events.AppendResult, error)) error {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	if stream != "stalled" {
		return s.Store.AppendAsync(stream, exp, evs, done)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = append(s.held, done)
	return nil
}

func newStallingStore(t *testing.T) *stallingStore {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &stallingStore{Store: st}
}

type submitted struct {
	res events.AppendResult
	err error
}

func submit(t *testing.T, w *Writer, stream string) chan submitted {
	t.Helper()
	out := make(chan submitted, 2)
	ev := events.EventData{Type: "Num", Data: json.RawMessage(`{"n":1}`)}
	if !w.Submit(stream, events.Any(), []events.EventData{ev}, func(res events.AppendResult, err error) { out <- submitted{res, err} }) {
		t.Fatalf("Submit to %s refused", stream)
	}
	return out
}

// TestWriterAsyncAppends checks that, over a store with AppendAsync, the
// writer hands appends to the store itself (no worker goroutines) and
// answers each exactly once with the store's result.
func TestWriterAsyncAppends(t *testing.T) {
	st := newStallingStore(t)
	w := newWriter(st, WriterConfig{}, slog.New(slog.DiscardHandler), newMetrics(nil))
	answers := make([]chan submitted, 50)
	for i := range answers {
		answers[i] = submit(t, w, "chat-1")
	}
	for i, ch := range answers {
		if r := <-ch; r.err != nil || r.res.NextExpectedRevision != uint64(i) {
			t.Fatalf("append %d: %+v", i, r)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	calls := st.calls
	st.mu.Unlock()
	if calls != len(answers) {
		t.Fatalf("store saw %d AppendAsync calls, want %d", calls, len(answers))
	}
	for i, ch := range answers {
		if len(ch) != 0 {
			t.Fatalf("append %d answered twice", i)
		}
	}
}

// TestWriterAsyncTimeout checks that an append the store does not answer
// within AppendTimeout is answered with context.DeadlineExceeded (the
// chat then answers `unavailable` and settles the outcome by reading its
// stream), that the store's late answer is dropped, and that Close does
// not wait for it.
func TestWriterAsyncTimeout(t *testing.T) {
	st := newStallingStore(t)
	w := newWriter(st, WriterConfig{AppendTimeout: 50 * time.Millisecond}, slog.New(slog.DiscardHandler), newMetrics(nil))
	stalled := submit(t, w, "stalled")
	if r := <-stalled; !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("stalled append: %+v, want DeadlineExceeded", r)
	}
	st.mu.Lock()
	for _, done := range st.held {
		done(events.AppendResult{Position: 1}, nil) // the store answers at last
	}
	st.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	if len(stalled) != 0 {
		t.Fatalf("stalled append answered twice: %+v", <-stalled)
	}
}

// TestWriterAsyncTimeoutAmongAnswered: appends the store answers and
// appends it never answers, interleaved, the stalled ones submitted in two
// spells (so the one timer is armed again for the second): every stalled
// append is answered DeadlineExceeded once, every other one with the
// store's result once, and the writer keeps no deadline behind.
func TestWriterAsyncTimeoutAmongAnswered(t *testing.T) {
	st := newStallingStore(t)
	w := newWriter(st, WriterConfig{AppendTimeout: 100 * time.Millisecond}, slog.New(slog.DiscardHandler), newMetrics(nil))
	var stalled, answered []chan submitted
	for spell := range 2 {
		for i := range 20 {
			if i%3 == 0 {
				stalled = append(stalled, submit(t, w, "stalled"))
			} else {
				answered = append(answered, submit(t, w, "chat-1"))
			}
		}
		if spell == 0 {
			r := <-stalled[0] // expired before the second spell
			if !errors.Is(r.err, context.DeadlineExceeded) {
				t.Fatalf("stalled append: %+v, want DeadlineExceeded", r)
			}
			stalled[0] <- r // read again below
		}
	}
	for i, ch := range answered {
		if r := <-ch; r.err != nil || r.res.NextExpectedRevision != uint64(i) {
			t.Fatalf("append %d: %+v", i, r)
		}
	}
	for i, ch := range stalled {
		if r := <-ch; !errors.Is(r.err, context.DeadlineExceeded) {
			t.Fatalf("stalled append %d: %+v, want DeadlineExceeded", i, r)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	for _, ch := range append(stalled, answered...) {
		if len(ch) != 0 {
			t.Fatalf("an append answered twice: %+v", <-ch)
		}
	}
	w.due.mu.Lock()
	defer w.due.mu.Unlock()
	if n := len(w.due.calls) - w.due.head; n != 0 {
		t.Fatalf("%d deadlines kept", n)
	}
}
