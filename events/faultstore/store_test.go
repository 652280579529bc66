package faultstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/eventstest"
	"github.com/linkup-chat/linkup/events/faultstore"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

func newStore(t *testing.T) *faultstore.Store {
	t.Helper()
	inner, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	fs := faultstore.New(inner)
	t.Cleanup(func() { _ = fs.Close() })
	return fs
}

func ev(t *testing.T) events.EventData {
	t.Helper()
	return events.EventData{Type: eventstest.TestEventType, Data: []byte(`{"n":1}`)}
}

func count(t *testing.T, st events.Store) int {
	t.Helper()
	n := 0
	for _, err := range st.ReadAll(context.Background(), events.ReadAllOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// With no fault in force the wrapper is a store like any other.
func TestContractWithoutFaults(t *testing.T) {
	eventstest.Run(t, func(t *testing.T) events.Store { return newStore(t) })
}

func TestFailAppendsWritesNothingUntilRestore(t *testing.T) {
	fs := newStore(t)
	fs.FailAppends(nil)
	_, err := fs.Append(context.Background(), "s-1", events.Any(), ev(t))
	if !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("append during failure: %v, want ErrInjected", err)
	}
	custom := errors.New("disk full")
	fs.FailAppends(custom)
	if _, err := fs.Append(context.Background(), "s-1", events.Any(), ev(t)); !errors.Is(err, custom) {
		t.Fatalf("append with custom failure: %v", err)
	}
	if n := count(t, fs); n != 0 {
		t.Fatalf("failed appends stored %d events", n)
	}
	fs.Restore()
	if _, err := fs.Append(context.Background(), "s-1", events.Any(), ev(t)); err != nil {
		t.Fatalf("append after restore: %v", err)
	}
	if n, f := count(t, fs), fs.Stats().Failed.Load(); n != 1 || f != 2 {
		t.Fatalf("stored %d (want 1), failed %d (want 2)", n, f)
	}
}

func TestStallBlocksUntilContextEnds(t *testing.T) {
	fs := newStore(t)
	fs.Stall()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := fs.Append(ctx, "s-1", events.Any(), ev(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stalled append: %v, want deadline exceeded", err)
	}
	if n := count(t, fs); n != 0 {
		t.Fatalf("abandoned stalled append stored %d events", n)
	}
}

func TestRestoreReleasesStalledAppends(t *testing.T) {
	fs := newStore(t)
	fs.Stall()
	done := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := fs.Append(context.Background(), "s-1", events.Any(), ev(t))
			done <- err
		}()
	}
	poll.Until(t, 5*time.Second, "three stalled appends", func() bool { return fs.Stats().Stalled.Load() == 3 })
	select {
	case err := <-done:
		t.Fatalf("an append passed a stall: %v", err)
	default:
	}
	fs.Restore()
	for range 3 {
		if err := <-done; err != nil {
			t.Fatalf("released append: %v", err)
		}
	}
	if n := count(t, fs); n != 3 {
		t.Fatalf("stored %d, want 3", n)
	}
}

func TestLatencyDelaysAndRespectsContext(t *testing.T) {
	fs := newStore(t)
	fs.SetLatency(50 * time.Millisecond)
	start := time.Now()
	if _, err := fs.Append(context.Background(), "s-1", events.Any(), ev(t)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("append took %v under 50ms latency", d)
	}
	fs.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := fs.Append(ctx, "s-1", events.Any(), ev(t)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("append under an hour's latency: %v", err)
	}
}

func TestLoseAcksStoresButReportsFailure(t *testing.T) {
	fs := newStore(t)
	fs.LoseAcks(nil)
	if _, err := fs.Append(context.Background(), "s-1", events.Any(), ev(t)); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("append with lost ack: %v", err)
	}
	if n := count(t, fs); n != 1 {
		t.Fatalf("stored %d, want 1: the write must land", n)
	}
	fs.Restore()
	if _, err := fs.Append(context.Background(), "s-1", events.Any(), ev(t)); err != nil {
		t.Fatal(err)
	}
}

func TestFailStreamReadsUntilRestore(t *testing.T) {
	fs := newStore(t)
	if _, err := fs.Append(context.Background(), "s-1", events.Any(), ev(t)); err != nil {
		t.Fatal(err)
	}
	readOne := func() (int, error) {
		n := 0
		for _, err := range fs.ReadStream(context.Background(), "s-1", events.ReadStreamOptions{}) {
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	fs.FailStreamReads(nil)
	if n, err := readOne(); !errors.Is(err, faultstore.ErrInjected) || n != 0 {
		t.Fatalf("read during failure: %d events, %v", n, err)
	}
	if count(t, fs) != 1 {
		t.Fatal("ReadAll must not be affected")
	}
	fs.Restore()
	if n, err := readOne(); err != nil || n != 1 || fs.Stats().FailedReads.Load() != 1 {
		t.Fatalf("read after restore: %d events, %v, failed reads %d", n, err, fs.Stats().FailedReads.Load())
	}
}
