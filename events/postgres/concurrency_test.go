package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/postgres"
	"github.com/linkup-chat/linkup/internal/pgtest"
)

// TestOptimisticAcrossStores races writers in four independent Stores (four
// pools, as four linkup processes would have) on one stream, each
// appending with Exact of the head it read and retrying on conflict: every
// revision must have exactly one winner, which only the database can
// ensure.
func TestOptimisticAcrossStores(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	const nStores, perStore, each = 4, 3, 10
	stores := make([]*postgres.Store, nStores)
	for i := range stores {
		stores[i] = open(t, postgres.Config{URL: url, MaxConns: 4})
	}
	st := "race"
	if _, err := stores[0].Append(ctx, st, events.NoStream(), evn(-1, 0)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, nStores*perStore)
	conflicts := make(chan int, nStores*perStore)
	for s := range nStores {
		for w := range perStore {
			g := s*perStore + w
			wg.Go(func() {
				c, err := optimist(ctx, stores[s], st, g, each)
				conflicts <- c
				if err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	close(conflicts)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for c := range conflicts {
		total += c
	}
	recs := readStream(t, ctx, stores[1], st)
	checkGapFree(t, st, recs)
	if len(recs) != 1+nStores*perStore*each {
		t.Fatalf("%d events, want %d", len(recs), 1+nStores*perStore*each)
	}
	next := map[int]int{}
	for _, r := range recs[1:] {
		v := numOf(t, r)
		if v.N != next[v.G] {
			t.Fatalf("writer %d: event %d where %d was due", v.G, v.N, next[v.G])
		}
		next[v.G]++
	}
	t.Logf("%d conflicts among %d writers in %d stores", total, nStores*perStore, nStores)
	if total == 0 {
		t.Fatal("no conflict at all: the writers did not race")
	}
}

func optimist(ctx context.Context, s events.Store, st string, g, each int) (conflicts int, err error) {
	for i := 0; i < each; {
		var head uint64
		for rec, err := range s.ReadStream(ctx, st, events.ReadStreamOptions{Backwards: true, FromEnd: true, Limit: 1}) {
			if err != nil {
				return conflicts, err
			}
			head = rec.Revision
		}
		_, err := s.Append(ctx, st, events.Exact(head), evn(g, i))
		switch {
		case err == nil:
			i++
		case errors.Is(err, events.ErrWrongExpectedRevision):
			conflicts++
		default:
			return conflicts, fmt.Errorf("writer %d: %w", g, err)
		}
	}
	return conflicts, nil
}

// TestNoStreamAcrossStores has eight Stores race to create one stream with
// NoStream: exactly one wins, the others get ErrWrongExpectedRevision.
func TestNoStreamAcrossStores(t *testing.T) {
	url := pgtest.Shared(t).NewDatabase(t)
	ctx := testCtx(t)
	const n = 8
	stores := make([]*postgres.Store, n)
	for i := range stores {
		stores[i] = open(t, postgres.Config{URL: url, MaxConns: 2})
	}
	for round := range 5 {
		st := fmt.Sprintf("create-%d", round)
		var wg sync.WaitGroup
		results := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, err := stores[i].Append(ctx, st, events.NoStream(), evn(i, 0))
				results <- err
			})
		}
		wg.Wait()
		close(results)
		won := 0
		for err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, events.ErrWrongExpectedRevision):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d winners, want 1", round, won)
		}
		if recs := readStream(t, ctx, stores[0], st); len(recs) != 1 {
			t.Fatalf("round %d: stream holds %d events", round, len(recs))
		}
	}
}
