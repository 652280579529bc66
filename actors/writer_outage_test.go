package actors

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/faultstore"
)

// TestAnsweredFailureIsRecordedAsAnOutage checks that an outage in which
// only answered appends failed (a chat's post gets `unavailable`; no
// fire-and-forget event happened to fail) is still recorded as one
// ErrorRecorded(store_unavailable) once the store is back, counting them,
// and that a revision conflict, which is no outage, records nothing.
func TestAnsweredFailureIsRecordedAsAnOutage(t *testing.T) {
	inner, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	fs := faultstore.New(inner)
	w := newWriter(fs, WriterConfig{}, slog.New(slog.DiscardHandler), newMetrics(nil))

	if r := <-submitAt(t, w, "chat-c1", events.NoStream()); r.err != nil {
		t.Fatalf("first append: %v", r.err)
	}
	if r := <-submitAt(t, w, "chat-c1", events.NoStream()); r.err == nil {
		t.Fatal("an append expecting no stream on an existing one succeeded")
	}
	w.backlog.flush(fs, w.log, w.m)
	if n := outagesIn(t, inner); n != 0 {
		t.Fatalf("a revision conflict was recorded as %d outages", n)
	}

	fs.FailAppends(nil)
	if r := <-submitAt(t, w, "chat-c1", events.Any()); r.err == nil {
		t.Fatal("an append succeeded on a failing store")
	}
	w.backlog.flush(fs, w.log, w.m) // still down: nothing can be recorded yet
	if n := outagesIn(t, inner); n != 0 {
		t.Fatalf("%d outages recorded while the store was down", n)
	}
	fs.Restore()
	w.backlog.flush(fs, w.log, w.m)
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs := outages(t, inner)
	if len(evs) != 1 {
		t.Fatalf("%d store_unavailable events after the outage, want 1", len(evs))
	}
	if got := evs[0].Context["answered"]; got != float64(1) {
		t.Fatalf("the outage counts %v answered appends, want 1 (context %v)", got, evs[0].Context)
	}
}

func submitAt(t *testing.T, w *Writer, stream string, expected events.ExpectedRevision) chan submitted {
	t.Helper()
	out := make(chan submitted, 1)
	ev := events.EventData{Type: "Num", Data: json.RawMessage(`{"n":1}`)}
	if !w.Submit(stream, expected, []events.EventData{ev}, func(res events.AppendResult, err error) { out <- submitted{res, err} }) {
		t.Fatalf("Submit to %s refused", stream)
	}
	return out
}

func outages(t *testing.T, st events.Store) []events.ErrorRecorded {
	t.Helper()
	var out []events.ErrorRecorded
	for rec, err := range st.ReadStream(context.Background(), events.ErrorsStream, events.ReadStreamOptions{}) {
		if err != nil {
			if errors.Is(err, events.ErrStreamNotFound) {
				return nil
			}
			t.Fatal(err)
		}
		ev, err := events.Decode(rec)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := ev.(events.ErrorRecorded); ok && e.ErrorType == "store_unavailable" {
			out = append(out, e)
		}
	}
	return out
}

func outagesIn(t *testing.T, st events.Store) int { return len(outages(t, st)) }
