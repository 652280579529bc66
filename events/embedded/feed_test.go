package embedded_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/events/eventstest"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/prometheus/client_golang/prometheus"
)

// endStream's one event ends every subscription of the stall test: it
// matches each of their filters.
const endStream, endType = "chat-a-end", "Odd"

// TestStalledSubscribersGetEveryEventOnce runs subscriptions (unfiltered
// from the start and from the end, by stream prefix, by type) that stall at
// random while four appenders write, with a feed of only 32 events: each
// must receive exactly what ReadAll returns for its filter afterwards,
// field for field, in order, with one CaughtUp mark; and the metrics must
// show events from the feed, events from the store and a fallback (one
// subscription stalls until the log has moved far past the feed).
func TestStalledSubscribersGetEveryEventOnce(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	reg := prometheus.NewRegistry()
	st := open(t, embedded.Config{Dir: t.TempDir(), LiveEvents: 32, LiveBytes: 4096, Metrics: reg})
	defer st.Close()
	ctx := ctxT(t)
	for i := range 100 {
		mustAppend(t, st, fmt.Sprintf("chat-b-pre-%d", i%3), events.Any(), parity(i))
	}
	subs := []struct {
		opts  events.SubscribeOptions
		stall bool // wait, once caught up, until the log is far past the feed
	}{
		{events.SubscribeOptions{}, true},
		{events.SubscribeOptions{FromEnd: true}, false},
		{events.SubscribeOptions{After: 40, Filter: events.Filter{StreamPrefixes: []string{"chat-a"}}}, false},
		{events.SubscribeOptions{Filter: events.Filter{EventTypes: []string{"Odd"}}}, false},
	}
	got := make([][]events.RecordedEvent, len(subs))
	starts := make([]uint64, len(subs))
	var wg, ready sync.WaitGroup
	for i, s := range subs {
		if s.opts.FromEnd {
			starts[i] = head(t, st)
		} else {
			starts[i] = s.opts.After
		}
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
		ready.Add(1)
		wg.Go(func() { got[i] = follow(t, ctx, st, s.opts, rng, s.stall, ready.Done) })
	}
	ready.Wait() // every subscription has caught up (FromEnd has taken its head)
	appendAtRandom(t, st, seed)
	mustAppend(t, st, endStream, events.NoStream(), events.EventData{Type: endType, Data: json.RawMessage(`{}`)})
	wg.Wait()
	for i, s := range subs {
		want := readAll(t, st, events.ReadAllOptions{After: starts[i], Filter: s.opts.Filter})
		if !reflect.DeepEqual(got[i], want) {
			t.Fatalf("subscription %d (%+v): %d events, ReadAll %d; first difference at %d", i, s.opts, len(got[i]), len(want), firstDiff(got[i], want))
		}
	}
	live := counterValue(t, reg, "linkup_embedded_store_subscription_live_events_total")
	stored := counterValue(t, reg, "linkup_embedded_store_subscription_store_events_total")
	fallbacks := counterValue(t, reg, "linkup_embedded_store_subscription_fallbacks_total")
	t.Logf("events from the feed %v, from the store %v, fallbacks %v", live, stored, fallbacks)
	if live == 0 || stored == 0 || fallbacks == 0 {
		t.Fatalf("feed %v, store %v, fallbacks %v: want all above 0", live, stored, fallbacks)
	}
}

func parity(n int) events.EventData {
	d := num(n)
	d.Type = []string{"Even", "Odd"}[n%2]
	return d
}

// appendAtRandom has four appenders write 150 appends of 1 to 3 events
// each, alternating between a chat-a and a chat-b stream, pausing now and
// then.
func appendAtRandom(t *testing.T, st events.Store, seed int64) {
	var wg sync.WaitGroup
	for g := range 4 {
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(100+g)))
		wg.Go(func() {
			for i := range 150 {
				evs := make([]events.EventData, 1+rng.IntN(3))
				for j := range evs {
					evs[j] = parity(i*10 + j)
				}
				stream := fmt.Sprintf("chat-%c-%d", "ab"[i%2], g)
				if _, err := st.Append(context.Background(), stream, events.Any(), evs...); err != nil {
					t.Error(err)
					return
				}
				if rng.IntN(20) == 0 { // random pauses vary how appends and readers interleave
					time.Sleep(time.Duration(rng.IntN(3)) * time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
}

// follow consumes a subscription until endStream's event, stalling at
// random (and once, if stall, until the head is 200 events past it), and
// returns the events it got, calling caughtUp at the CaughtUp mark. It fails on a second CaughtUp mark, a
// position out of order, or an error.
func follow(t *testing.T, ctx context.Context, st *embedded.Store, opts events.SubscribeOptions, rng *rand.Rand, stall bool, caughtUp func()) []events.RecordedEvent {
	var got []events.RecordedEvent
	marks := 0
	var last uint64
	for d, err := range st.Subscribe(ctx, opts) {
		if err != nil {
			t.Errorf("subscription %+v: %v", opts, err)
			return got
		}
		if d.CaughtUp {
			if marks++; marks > 1 {
				t.Errorf("subscription %+v: second CaughtUp mark", opts)
				return got
			}
			caughtUp()
			continue
		}
		if d.Position != d.Event.Position || d.Position <= last {
			t.Errorf("subscription %+v: delivery at %d (event %d) after %d", opts, d.Position, d.Event.Position, last)
			return got
		}
		last = d.Position
		got = append(got, *d.Event)
		if d.Event.Stream == endStream {
			return got
		}
		if stall && marks == 1 {
			waitHead(t, st, d.Position+200)
			stall = false
		}
		if rng.IntN(40) == 0 { // a slow reader now and then, on purpose
			time.Sleep(time.Duration(rng.IntN(5)) * time.Millisecond)
		}
	}
	t.Errorf("subscription %+v ended early", opts)
	return got
}

// waitHead waits until the log's head reaches pos.
func waitHead(t *testing.T, st events.Store, pos uint64) {
	if !poll.Within(20*time.Second, func() bool { return head(t, st) >= pos }) {
		t.Errorf("head did not reach %d", pos)
	}
}

func head(t *testing.T, st events.Store) uint64 {
	h, err := st.Head(context.Background())
	if err != nil {
		t.Error(err)
	}
	return h
}

func readAll(t *testing.T, st events.Store, opts events.ReadAllOptions) []events.RecordedEvent {
	var out []events.RecordedEvent
	for rec, err := range st.ReadAll(ctxT(t), opts) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func firstDiff(a, b []events.RecordedEvent) int {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestContractTinyFeed runs the Store contract with a feed of 4 events and
// 256 bytes, so that catch-up, fallback and rejoining the feed happen in
// every subscription case.
func TestContractTinyFeed(t *testing.T) {
	eventstest.Run(t, func(t *testing.T) events.Store {
		return open(t, embedded.Config{Dir: t.TempDir(), LiveEvents: 4, LiveBytes: 256})
	})
}

// TestFeedEventsEqualStoredEvents checks that an event a subscription takes
// from the feed is the event a read of the store returns, field for field,
// metadata included (even a value that is not valid UTF-8, which the stored
// JSON changes).
func TestFeedEventsEqualStoredEvents(t *testing.T) {
	reg := prometheus.NewRegistry()
	st := open(t, embedded.Config{Dir: t.TempDir(), Metrics: reg})
	defer st.Close()
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	mds := []events.Metadata{{}, {CorrelationID: "c<&>", CausationID: "x", Node: "n1"}, {Node: "bad\xffutf8"}}
	var got []events.RecordedEvent
	for d, err := range st.Subscribe(ctx, events.SubscribeOptions{FromEnd: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if d.CaughtUp {
			for i, md := range mds {
				mustAppend(t, st, "chat-md", events.Any(), events.EventData{Type: "T", Data: json.RawMessage(fmt.Sprintf(`{"i": %d, "s": "é"}`, i)), Metadata: md})
			}
			continue
		}
		if got = append(got, *d.Event); len(got) == len(mds) {
			break
		}
	}
	want := readAll(t, st, events.ReadAllOptions{})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("from the feed:\n%+v\nfrom the store:\n%+v", got, want)
	}
	if n := counterValue(t, reg, "linkup_embedded_store_subscription_live_events_total"); n != float64(len(mds)) {
		t.Fatalf("%v events from the feed, want %d", n, len(mds))
	}
}
