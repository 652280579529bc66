package projections

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/prometheus/client_golang/prometheus"
)

// TestReadStatesMatchTheChat: for random batches of commands decided by
// chat.Decide (posts, reads, members added and removed, edits and
// deletions; and a few stored facts no chat would decide: a read past the
// latest seq, a read going back), the projected read states equal the
// chat's own state, pointer by pointer, latest seq and unread included,
// and so do the read states of a rebuild from zero.
func TestReadStatesMatchTheChat(t *testing.T) {
	forEachBackend(t, testReadStatesMatchTheChat)
}

func testReadStatesMatchTheChat(t *testing.T, b backend) {
	st, rm := openStore(t, t.TempDir()), b.openNew(t)
	rng := rand.New(rand.NewPCG(7, 8))
	users := []string{"alice", "bob", "carol", "dave", "erin"}
	s := chat.NewState("c1")
	decide := func(cmds ...chat.Command) {
		rd := chat.Decide(s, t0, cmds)
		var evs []events.Event
		for _, e := range rd.Events {
			evs = append(evs, e.Event)
		}
		if len(evs) > 0 {
			appendEv(t, st, events.ChatStream("c1"), evs...)
			s.Advance(rd, s.Revision+1)
		}
	}
	decide(chat.Create{By: "alice", Members: []string{"bob", "carol"}})
	for b := range 40 {
		var cmds []chat.Command
		for i := range 1 + rng.IntN(6) {
			u := users[rng.IntN(len(users))]
			target := uint64(rng.IntN(int(s.LatestSeq) + 3))
			switch rng.IntN(10) {
			case 0, 1, 2, 3:
				cmds = append(cmds, chat.Post{Sender: u, ClientMsgID: fmt.Sprint(rng.IntN(20)), Body: "b", MessageID: fmt.Sprint(b, i)})
			case 4, 5, 6:
				cmds = append(cmds, chat.Read{User: u, Seq: target, ToLatest: rng.IntN(5) == 0})
			case 7:
				cmds = append(cmds, chat.AddMembers{By: u, Users: []string{users[rng.IntN(len(users))], users[rng.IntN(len(users))]}})
			case 8:
				cmds = append(cmds, chat.RemoveMember{By: u, User: users[rng.IntN(len(users))]})
			default:
				if rng.IntN(2) == 0 {
					cmds = append(cmds, chat.Edit{By: u, Seq: target, Body: fmt.Sprint("e", b)})
				} else {
					cmds = append(cmds, chat.Delete{By: u, Seq: target})
				}
			}
		}
		decide(cmds...)
	}
	facts := []events.Event{
		events.ChatRead{ChatID: "c1", User: "carol", LastReadSeq: s.LatestSeq + 7, At: t0},
		events.ChatRead{ChatID: "c1", User: "bob", LastReadSeq: 0, At: t0},
	}
	appendEv(t, st, events.ChatStream("c1"), facts...)
	for _, ev := range facts {
		s.Apply(ev, s.Revision+1)
	}
	startRunner(t, st, rm, prometheus.NewRegistry())
	waitCaughtUp(t, st, rm)
	rows, err := rm.ReadStates(context.Background(), protocol.ReadStateQuery{Chat: "c1"})
	if err != nil || len(rows) != len(s.Members) {
		t.Fatalf("rows %+v, %v; members %v", rows, err, s.Members)
	}
	sameAsChat := func(rows []protocol.ReadState) {
		t.Helper()
		for _, r := range rows {
			if r.LatestSeq != s.LatestSeq || r.LastReadSeq != s.Read[r.User] || r.Unread != s.Unread(r.User) {
				t.Fatalf("%s: projected %+v, chat: latest %d, read %d, unread %d", r.User, r, s.LatestSeq, s.Read[r.User], s.Unread(r.User))
			}
		}
	}
	sameAsChat(rows)
	if _, err := Rebuild(context.Background(), RebuildConfig{Store: st, ReadModel: rm, Projection: ReadStates{}}); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := rm.ReadStates(context.Background(), protocol.ReadStateQuery{Chat: "c1"})
	if err != nil || len(rebuilt) != len(s.Members) {
		t.Fatalf("rebuilt rows %+v, %v; members %v", rebuilt, err, s.Members)
	}
	sameAsChat(rebuilt)
	var unread uint64
	for _, u := range s.Members {
		unread += s.Unread(u)
	}
	t.Logf("latest %d, members %v, read %v, unread in all %d", s.LatestSeq, s.Members, s.Read, unread)
}
