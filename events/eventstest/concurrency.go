package eventstest

import (
	"errors"
	"fmt"
	"sync"

	"github.com/linkup-chat/linkup/events"
)

func concurrencyCases() []testCase {
	return []testCase{
		{"ConcurrentAppenders", testConcurrentAppenders},
		{"ConcurrentOptimisticAppenders", testOptimistic},
	}
}

const (
	appenders      = 32
	appendsEach    = 50
	sharedStreams  = 8
	optimistWriter = 8
	optimistEach   = 15
)

// testConcurrentAppenders has 32 goroutines append 50 events each to 8
// shared streams: every event must be stored once, revisions gap-free, and
// each goroutine's events in its order.
func testConcurrentAppenders(e *env) {
	errs := make(chan error, appenders)
	var wg sync.WaitGroup
	for g := range appenders {
		wg.Go(func() {
			st := e.stream(fmt.Sprintf("shared-%d", g%sharedStreams))
			for i := range appendsEach {
				if _, err := e.s.Append(e.ctx, st, events.Any(), evg(g, i)); err != nil {
					errs <- fmt.Errorf("appender %d, append %d: %w", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	total := 0
	for k := range sharedStreams {
		total += e.checkShared(e.stream(fmt.Sprintf("shared-%d", k)))
	}
	if total != appenders*appendsEach {
		e.t.Fatalf("%d events stored, want %d", total, appenders*appendsEach)
	}
}

// checkShared checks one shared stream and returns its length.
func (e *env) checkShared(st string) int {
	recs := e.mustReadStream(st, events.ReadStreamOptions{})
	checkIncreasing(e.t, recs)
	next := map[int]int{} // goroutine -> next expected number
	for i, r := range recs {
		v := numOf(e.t, r)
		if r.Revision != uint64(i) {
			e.t.Fatalf("%s: revision %d at index %d", st, r.Revision, i)
		}
		if v.N != next[v.G] {
			e.t.Fatalf("%s: appender %d's event %d where %d was due (lost, doubled or reordered)", st, v.G, v.N, next[v.G])
		}
		next[v.G]++
	}
	return len(recs)
}

// testOptimistic races writers on one stream, each appending with Exact
// of the head it read and retrying on conflict: every revision must have
// exactly one winner.
func testOptimistic(e *env) {
	st := e.stream("race")
	e.mustAppend(st, events.NoStream(), evg(-1, 0))
	errs := make(chan error, optimistWriter)
	var wg sync.WaitGroup
	for g := range optimistWriter {
		wg.Go(func() {
			if err := e.optimist(st, g); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	if n := e.checkShared(st); n != 1+optimistWriter*optimistEach {
		e.t.Fatalf("stream holds %d events, want %d", n, 1+optimistWriter*optimistEach)
	}
}

func (e *env) optimist(st string, g int) error {
	for i := 0; i < optimistEach; {
		recs, err := collect(e.s.ReadStream(e.ctx, st, events.ReadStreamOptions{Backwards: true, FromEnd: true, Limit: 1}))
		if err != nil || len(recs) != 1 {
			return fmt.Errorf("writer %d: read head: %v (%d events)", g, err, len(recs))
		}
		_, err = e.s.Append(e.ctx, st, events.Exact(recs[0].Revision), evg(g, i))
		switch {
		case err == nil:
			i++
		case !errors.Is(err, events.ErrWrongExpectedRevision):
			return fmt.Errorf("writer %d: append: %w", g, err)
		}
	}
	return nil
}
