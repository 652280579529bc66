package replay

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

// TestFoldPrefixEqualsLive: for random sequences of chat commands decided
// by chat.Decide and applied as the live actor does, replay's state at
// every position of the chat's stream equals what the live state held
// right after that event.
func TestFoldPrefixEqualsLive(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			dir := t.TempDir()
			s := newSession(t, dir)
			randomCommands(s, rand.New(rand.NewPCG(seed, 7)), 120)
			s.store.Close()
			checkPrefixes(t, openReplay(t, dir, false), s)
		})
	}
}

// randomCommands drives one chat with creates, posts (some retried with
// the same client id, some by non-members) and receipts (some backwards,
// some past the end).
func randomCommands(s *session, rng *rand.Rand, n int) {
	users := []string{"ann", "ben", "cy", "dee"}
	s.create("c", "ann", "prop", []string{"ben", "cy"}, at(0), "create")
	for i := range n {
		when := at(time.Duration(i+1) * time.Second)
		u := users[rng.IntN(len(users))]
		corr := fmt.Sprint("cmd-", i)
		switch rng.IntN(3) {
		case 0, 1:
			s.post("c", u, fmt.Sprint("m", rng.IntN(n/3)), "body "+corr, when, corr)
		default:
			s.read("c", u, uint64(rng.IntN(n/2+1)), when, events.Metadata{CorrelationID: corr})
		}
	}
}

func checkPrefixes(t *testing.T, r *Replayer, s *session) {
	ctx := context.Background()
	for pos, want := range s.snaps {
		got, err := r.ChatAt(ctx, "c", Point{Position: pos})
		if err != nil {
			t.Fatalf("position %d: %v", pos, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("position %d:\nreplay %+v\nlive   %+v", pos, got, want)
		}
		byTime, err := r.ChatAt(ctx, "c", Point{At: want.At})
		if err != nil || !reflect.DeepEqual(byTime, want) {
			t.Fatalf("at %s: %v\nreplay %+v\nlive   %+v", want.At, err, byTime, want)
		}
	}
	if len(s.snaps) < 50 {
		t.Fatalf("only %d events stored; the generator is too timid", len(s.snaps))
	}
}
