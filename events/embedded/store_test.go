package embedded_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/prometheus/client_golang/prometheus"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func num(n int) events.EventData {
	return events.EventData{Type: "Num", Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}
}

func mustAppend(t *testing.T, st events.Store, stream string, exp events.ExpectedRevision, evs ...events.EventData) events.AppendResult {
	t.Helper()
	res, err := st.Append(ctxT(t), stream, exp, evs...)
	if err != nil {
		t.Fatalf("append to %s: %v", stream, err)
	}
	return res
}

func count(t *testing.T, st events.Store) int {
	t.Helper()
	n := 0
	for _, err := range st.ReadAll(ctxT(t), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func TestReadOnlyMissingStore(t *testing.T) {
	_, err := embedded.Open(embedded.Config{Dir: t.TempDir(), ReadOnly: true})
	if !errors.Is(err, embedded.ErrNoStore) || !strings.Contains(err.Error(), "events.db") {
		t.Fatalf("error %v, want ErrNoStore naming the file", err)
	}
}

func TestSecondWriterLocked(t *testing.T) {
	dir := t.TempDir()
	st := open(t, embedded.Config{Dir: dir})
	defer st.Close()
	if _, err := embedded.Open(embedded.Config{Dir: dir}); !errors.Is(err, embedded.ErrLocked) {
		t.Fatalf("second writer: %v, want ErrLocked", err)
	}
}

// TestReadOnlyBesideWriter reads and subscribes through a read-only store
// while a writable one appends to the same directory.
func TestReadOnlyBesideWriter(t *testing.T) {
	dir := t.TempDir()
	w := open(t, embedded.Config{Dir: dir})
	defer w.Close()
	for i := range 10 {
		mustAppend(t, w, "chat-1", events.Any(), num(i))
	}
	ro := open(t, embedded.Config{Dir: dir, ReadOnly: true, PollInterval: 10 * time.Millisecond})
	defer ro.Close()
	if _, err := ro.Append(ctxT(t), "chat-1", events.Any(), num(99)); !errors.Is(err, events.ErrReadOnly) {
		t.Fatalf("read-only append: %v, want ErrReadOnly", err)
	}
	got := make(chan int, 100)
	go func() {
		defer close(got)
		for d, err := range ro.Subscribe(ctxT(t), events.SubscribeOptions{}) {
			if err != nil || (d.Event != nil && d.Event.Revision == 14) {
				return
			}
			if d.Event != nil {
				got <- int(d.Event.Revision)
			}
		}
	}()
	go func() {
		for i := 10; i < 15; i++ {
			mustAppend(t, w, "chat-1", events.Any(), num(i))
		}
	}()
	n := 0
	for rev := range got {
		if rev != n {
			t.Fatalf("read-only subscription: revision %d where %d was due", rev, n)
		}
		n++
	}
	if n != 14 {
		t.Fatalf("read-only subscription saw %d events before the 15th, want 14", n)
	}
	if h, _ := ro.Head(ctxT(t)); h != 15 {
		t.Fatalf("read-only head %d, want 15", h)
	}
}

// TestReopenKeepsDataAndHeads closes and reopens: every event is there and
// revisions and positions continue.
func TestReopenKeepsDataAndHeads(t *testing.T) {
	dir := t.TempDir()
	st := open(t, embedded.Config{Dir: dir})
	var last events.AppendResult
	for i := range 9 {
		last = mustAppend(t, st, fmt.Sprintf("chat-%d", i%3), events.Any(), num(i))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open(t, embedded.Config{Dir: dir})
	defer st.Close()
	if n := count(t, st); n != 9 {
		t.Fatalf("%d events after reopen, want 9", n)
	}
	if _, err := st.Append(ctxT(t), "chat-0", events.NoStream(), num(9)); !errors.Is(err, events.ErrWrongExpectedRevision) {
		t.Fatalf("no-stream append to an old stream: %v", err)
	}
	res := mustAppend(t, st, "chat-0", events.Exact(2), num(9))
	if res.NextExpectedRevision != 3 || res.Position <= last.Position {
		t.Fatalf("after reopen: %+v, last before %+v", res, last)
	}
}

// TestOverload fills a one-slot queue: appends beyond it fail at once with
// ErrOverloaded, are counted, and store nothing.
func TestOverload(t *testing.T) {
	reg := prometheus.NewRegistry()
	st := open(t, embedded.Config{Dir: t.TempDir(), QueueSize: 1, MaxBatch: 1, Metrics: reg})
	defer st.Close()
	var mu sync.Mutex
	ok, overloaded := 0, 0
	var wg sync.WaitGroup
	for g := range 200 {
		wg.Go(func() {
			_, err := st.Append(ctxT(t), fmt.Sprintf("chat-%d", g), events.Any(), num(g))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, events.ErrOverloaded):
				overloaded++
			default:
				t.Errorf("append: %v", err)
			}
		})
	}
	wg.Wait()
	if overloaded == 0 || ok == 0 {
		t.Fatalf("%d stored, %d overloaded: want both", ok, overloaded)
	}
	if n := count(t, st); n != ok {
		t.Fatalf("%d events stored, %d appends succeeded", n, ok)
	}
	if got := counterValue(t, reg, "linkup_embedded_store_append_overloaded_total"); got != float64(overloaded) {
		t.Fatalf("overload counter %v, want %d", got, overloaded)
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestTooLarge(t *testing.T) {
	st := open(t, embedded.Config{Dir: t.TempDir(), MaxEventBytes: 1000})
	defer st.Close()
	big := events.EventData{Type: "Big", Data: json.RawMessage(`{"s":"` + strings.Repeat("x", 2000) + `"}`)}
	if _, err := st.Append(ctxT(t), "chat-1", events.Any(), big); !errors.Is(err, events.ErrTooLarge) {
		t.Fatalf("append of 2 kB with a 1000 B limit: %v, want ErrTooLarge", err)
	}
}

// TestDuplicateIDAccepted: event ids are not unique in the store (the
// Store contract does not ask for idempotent appends, and a unique id index
// cost a random index page per commit), so an append reusing an id is
// stored like any other.
func TestDuplicateIDAccepted(t *testing.T) {
	st := open(t, embedded.Config{Dir: t.TempDir()})
	defer st.Close()
	dup := num(0)
	dup.ID = "0190b5a6-6c6e-7a3e-9c3e-4b1f2a3c4d5e"
	mustAppend(t, st, "chat-a", events.NoStream(), dup)
	mustAppend(t, st, "chat-b", events.NoStream(), dup)
	n := 0
	for rec, err := range st.ReadAll(ctxT(t), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.ID != dup.ID {
			t.Fatalf("id %s, want %s", rec.ID, dup.ID)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d events stored, want 2", n)
	}
}

// TestCloseCommitsAccepted closes while appends are in flight: each append
// either succeeded (and is stored after reopen) or failed with ErrClosed.
func TestCloseCommitsAccepted(t *testing.T) {
	dir := t.TempDir()
	st := open(t, embedded.Config{Dir: dir})
	var mu sync.Mutex
	ok := 0
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := range 20 {
				_, err := st.Append(context.Background(), fmt.Sprintf("chat-%d", g), events.Any(), num(i))
				if errors.Is(err, events.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	time.Sleep(20 * time.Millisecond) // Close lands while the appends run: the overlap is the test's
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	st = open(t, embedded.Config{Dir: dir, ReadOnly: true})
	defer st.Close()
	if n := count(t, st); n != ok {
		t.Fatalf("%d events stored, %d appends succeeded", n, ok)
	}
}

// A relative data directory (linkup serve --data d1) must open: the file
// URI the driver gets once read "d1" as its authority.
func TestRelativeDirOpens(t *testing.T) {
	t.Chdir(t.TempDir())
	st, err := embedded.Open(embedded.Config{Dir: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := embedded.Open(embedded.Config{Dir: "d1", ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = ro.Close()
}

// TestAgedOutHeadsAreReadBack: a stream whose head left the writer's cache
// (many streams written since) continues at the right revision, and an
// append expecting a stale revision still conflicts.
func TestAgedOutHeadsAreReadBack(t *testing.T) {
	st := open(t, embedded.Config{Dir: t.TempDir()})
	defer st.Close()
	mustAppend(t, st, "connection-first", events.NoStream(), num(0))
	var wg sync.WaitGroup
	for w := range 16 { // more than two generations of cached heads, in batches
		wg.Go(func() {
			for i := w; i < 10000; i += 16 {
				if _, err := st.Append(ctxT(t), fmt.Sprint("connection-", i), events.NoStream(), num(i)); err != nil {
					t.Error(err) // not Fatal: another goroutine
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if _, err := st.Append(ctxT(t), "connection-first", events.Exact(1), num(1)); !errors.Is(err, events.ErrWrongExpectedRevision) {
		t.Fatalf("append at a stale revision: %v", err)
	}
	if _, err := st.Append(ctxT(t), "connection-first", events.NoStream(), num(1)); !errors.Is(err, events.ErrWrongExpectedRevision) {
		t.Fatalf("no-stream append to an aged-out stream: %v", err)
	}
	if res := mustAppend(t, st, "connection-first", events.Exact(0), num(1)); res.NextExpectedRevision != 1 {
		t.Fatalf("aged-out stream continued at %+v, want revision 1", res)
	}
}
