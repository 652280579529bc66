package esdb

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// These tests need no EventStoreDB server: they cover everything the store
// decides by itself, and its behaviour when the server is unreachable or
// silent (real TCP ports on loopback).

var okEvent = events.EventData{Type: "ChatRead", Data: json.RawMessage(`{"a":1}`)}

func newTestStore(t *testing.T, cfg Config) (*Store, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg.Metrics = reg
	if cfg.URL == "" {
		cfg.URL = "esdb://" + refusedAddr(t) + "?tls=false"
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, reg
}

// refusedAddr returns a loopback address where nothing listens.
func refusedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentAddr returns a loopback address that accepts connections and never
// answers.
func silentAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return l.Addr().String()
}

func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		m := mf.GetMetric()[0]
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, url := range []string{"", "http://127.0.0.1:2113", "esdb://"} {
		if _, err := New(Config{URL: url}); err == nil {
			t.Errorf("New accepted URL %q", url)
		}
	}
}

func TestNewRejectsDoubleRegistration(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := New(Config{URL: "esdb://127.0.0.1:1?tls=false", Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := New(Config{URL: "esdb://127.0.0.1:1?tls=false", Metrics: reg}); err == nil {
		t.Fatal("second store registered the same collectors")
	}
}

func TestAppendReadOnly(t *testing.T) {
	s, _ := newTestStore(t, Config{ReadOnly: true})
	_, err := s.Append(t.Context(), "chat-1", events.Any(), okEvent)
	if !errors.Is(err, events.ErrReadOnly) {
		t.Fatalf("error %v, want ErrReadOnly", err)
	}
}

func TestAppendChecksBeforeSending(t *testing.T) {
	s, _ := newTestStore(t, Config{MaxAppendBytes: 100})
	big := events.EventData{Type: "T", Data: json.RawMessage(`{"s":"` + strings.Repeat("x", 100) + `"}`)}
	tests := []struct {
		stream string
		evs    []events.EventData
		want   error
	}{
		{"", []events.EventData{okEvent}, events.ErrInvalidEvent},
		{"$system", []events.EventData{okEvent}, events.ErrInvalidEvent},
		{"chat-1", nil, events.ErrInvalidEvent},
		{"chat-1", []events.EventData{okEvent, {Type: "T", Data: json.RawMessage(`[]`)}}, events.ErrInvalidEvent},
		{"chat-1", []events.EventData{big}, events.ErrTooLarge},
		{"chat-1", []events.EventData{okEvent, okEvent, okEvent, okEvent, okEvent, okEvent, okEvent}, events.ErrTooLarge}, // 7 x 17 bytes: the sum counts
	}
	for _, tc := range tests {
		if _, err := s.Append(t.Context(), tc.stream, events.Any(), tc.evs...); !errors.Is(err, tc.want) {
			t.Errorf("append %q %d events: error %v, want %v", tc.stream, len(tc.evs), err, tc.want)
		}
	}
}

func TestAppendOverloaded(t *testing.T) {
	s, reg := newTestStore(t, Config{MaxInflightAppends: 2})
	s.slots <- struct{}{} // two appends in flight
	s.slots <- struct{}{}
	if got := metric(t, reg, "linkup_esdb_store_appends_inflight"); got != 2 {
		t.Fatalf("inflight gauge %v, want 2", got)
	}
	_, err := s.Append(t.Context(), "chat-1", events.Any(), okEvent)
	if !errors.Is(err, events.ErrOverloaded) {
		t.Fatalf("error %v, want ErrOverloaded", err)
	}
	if got := metric(t, reg, "linkup_esdb_store_append_overloaded_total"); got != 1 {
		t.Fatalf("overload counter %v, want 1", got)
	}
}

func TestClosedStore(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	ctx := t.Context()
	if _, err := s.Append(ctx, "chat-1", events.Any(), okEvent); !errors.Is(err, events.ErrClosed) {
		t.Errorf("append: %v", err)
	}
	if _, err := s.Head(ctx); !errors.Is(err, events.ErrClosed) {
		t.Errorf("head: %v", err)
	}
	checkOneError(t, "read stream", s.ReadStream(ctx, "chat-1", events.ReadStreamOptions{}), events.ErrClosed)
	checkOneError(t, "read all", s.ReadAll(ctx, events.ReadAllOptions{}), events.ErrClosed)
	checkOneError(t, "subscribe", s.Subscribe(ctx, events.SubscribeOptions{}), events.ErrClosed)
}

// checkOneError fails unless seq yields exactly one item, an error
// wrapping want.
func checkOneError[T any](t *testing.T, what string, seq func(func(T, error) bool), want error) {
	t.Helper()
	n := 0
	var last error
	for _, err := range seq {
		n, last = n+1, err
	}
	if n != 1 || !errors.Is(last, want) {
		t.Errorf("%s: %d items, last error %v; want one error %v", what, n, last, want)
	}
}

func TestUnreachableServer(t *testing.T) {
	s, _ := newTestStore(t, Config{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := s.Append(ctx, "chat-1", events.Any(), okEvent); err == nil || errors.Is(err, events.ErrWrongExpectedRevision) {
		t.Fatalf("append to nowhere: %v", err)
	}
	for _, err := range s.ReadStream(ctx, "chat-1", events.ReadStreamOptions{}) {
		if err == nil || errors.Is(err, events.ErrStreamNotFound) {
			t.Fatalf("read from nowhere: %v", err)
		}
	}
	if _, err := s.Head(ctx); err == nil {
		t.Fatal("head from nowhere succeeded")
	}
}

// TestSubscribeRetriesUntilCancelled: with no server, a subscription keeps
// retrying (replacing the client once its discovery gives up) and ends
// only on ctx, yielding ctx.Err() once.
func TestSubscribeRetriesUntilCancelled(t *testing.T) {
	s, reg := newTestStore(t, Config{ResubscribeBackoff: 5 * time.Millisecond, MaxResubscribeBackoff: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		poll.Within(30*time.Second, func() bool {
			return metric(t, reg, "linkup_esdb_store_client_revivals_total") >= 1 &&
				metric(t, reg, "linkup_esdb_store_subscription_drops_total") >= 3
		})
		cancel()
	}()
	checkOneError(t, "subscribe to nowhere", s.Subscribe(ctx, events.SubscribeOptions{}), context.Canceled)
	if metric(t, reg, "linkup_esdb_store_client_revivals_total") < 1 {
		t.Fatal("dead client never replaced")
	}
	if got := metric(t, reg, "linkup_esdb_store_subscriptions_active"); got != 0 {
		t.Fatalf("active subscriptions gauge %v after the end", got)
	}
}

// TestSilentServerHonoursContext: a server that accepts and never answers
// makes the client wait on its own timeouts; the store returns on ctx.
func TestSilentServerHonoursContext(t *testing.T) {
	old := closeWait
	closeWait = 100 * time.Millisecond // a parked discovery call must not hold Close for 5 s
	t.Cleanup(func() { closeWait = old })
	s, _ := newTestStore(t, Config{URL: "esdb://" + silentAddr(t) + "?tls=false"})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.Append(ctx, "chat-1", events.Any(), okEvent); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("append: %v, want DeadlineExceeded", err)
	}
	sub := s.Subscribe(t.Context(), events.SubscribeOptions{})
	closed := make(chan struct{})
	// Close comes while the subscription is parked on the silent server:
	// the pause is the test's, there is no event for "parked" to wait on.
	go func() { time.Sleep(50 * time.Millisecond); s.Close(); close(closed) }()
	checkOneError(t, "subscription on Close", sub, events.ErrClosed)
	<-closed // Close reads closeWait: finish before the cleanup restores it
}

func TestAppendCancelledBeforeSending(t *testing.T) {
	s, reg := newTestStore(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Append(ctx, "chat-1", events.Any(), okEvent); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if got := metric(t, reg, "linkup_esdb_store_appends_inflight"); got != 0 {
		t.Fatalf("inflight %v after an abandoned append", got)
	}
}
