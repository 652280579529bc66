package replay

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	scriptedSession(t, dir)
	r := openReplay(t, dir, false)
	ctx := context.Background()
	future := time.Now().Add(time.Hour)
	timelineErr := func(q Query) error {
		for _, err := range r.Timeline(ctx, q) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	_, chainNoArg := r.Chain(ctx, ChainQuery{})
	_, chainMissing := r.Chain(ctx, ChainQuery{Position: 999})
	_, chainNoCorr := r.Chain(ctx, ChainQuery{Correlation: "nope"})
	_, unknownChat := r.ChatAt(ctx, "nope", Point{})
	_, notYet := r.ChatAt(ctx, "c1", Point{At: at(time.Second)})
	_, futureAt := r.ChatAt(ctx, "c1", Point{At: future})
	_, both := r.ChatAt(ctx, "c1", Point{At: at(0), Position: 3})
	_, unknownUser := r.UserAt(ctx, "zed", Point{})
	_, userTooEarly := r.UserAt(ctx, "bob", Point{Position: 1})
	_, diffBackwards := r.DiffChat(ctx, "c1", Point{Position: 9}, Point{Position: 3})
	_, diffUnknown := r.DiffChat(ctx, "zz", Point{}, Point{})
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"timeline unknown chat", timelineErr(Query{Chat: "nope"}), ErrUnknownChat},
		{"timeline unknown connection", timelineErr(Query{Connection: "nope"}), ErrUnknownConnection},
		{"timeline since in future", timelineErr(Query{Since: future}), ErrFutureTime},
		{"timeline until before since", timelineErr(Query{Since: at(time.Minute), Until: at(0)}), ErrBadQuery},
		{"timeline unknown type", timelineErr(Query{Types: []string{"Nope"}}), ErrBadQuery},
		{"chain no argument", chainNoArg, ErrBadQuery},
		{"chain missing position", chainMissing, ErrEventNotFound},
		{"chain unknown correlation", chainNoCorr, ErrEventNotFound},
		{"state unknown chat", unknownChat, ErrUnknownChat},
		{"state before creation", notYet, ErrNotCreatedYet},
		{"state in future", futureAt, ErrFutureTime},
		{"state time and position", both, ErrBadQuery},
		{"user unknown", unknownUser, ErrUnknownUser},
		{"user before any event", userTooEarly, ErrUnknownUser},
		{"diff backwards", diffBackwards, ErrBadQuery},
		{"diff unknown chat", diffUnknown, ErrUnknownChat},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
		}
	}
}
