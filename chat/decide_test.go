package chat

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fold applies events in order as a chat stream would hold them.
func foldAll(id string, evs ...events.Event) *State {
	s := NewState(id)
	for i, ev := range evs {
		s.Apply(ev, uint64(i))
	}
	return s
}

func created(members ...string) events.ChatCreated {
	return events.ChatCreated{ChatID: "c", Title: "t", Members: members, CreatedBy: members[0], At: t0}
}

func posted(seq uint64, sender, cmid string) events.MessagePosted {
	return events.MessagePosted{ChatID: "c", Seq: seq, MessageID: "m" + cmid, Sender: sender, Body: "b", ClientMsgID: cmid, SentAt: t0}
}

// decideOne decides a batch of one command.
func decideOne(s *State, c Command) (Ready, Reply) {
	rd := Decide(s, t0, []Command{c})
	if len(rd.Replies) != 1 {
		return rd, Reply{}
	}
	return rd, rd.Replies[0]
}

func checkCode(t *testing.T, err *Error, code Code) {
	t.Helper()
	if code == "" && err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	if code != "" && (err == nil || err.Code != code) {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

func TestDecideCreate(t *testing.T) {
	cases := []struct {
		name    string
		state   *State
		members []string
		title   string
		want    []string
		code    Code
	}{
		{"creator always member, dups removed", NewState("c"), []string{"bob", "alice", "bob"}, "t", []string{"alice", "bob"}, ""},
		{"existing chat", foldAll("c", created("alice")), nil, "t", nil, CodeConflict},
		{"empty member id", NewState("c"), []string{""}, "t", nil, CodeInvalidPayload},
		{"title too long", NewState("c"), nil, strings.Repeat("x", MaxTitleBytes+1), nil, CodeInvalidPayload},
		{"too many members", NewState("c"), manyUsers(MaxMembers), "t", nil, CodeInvalidPayload},
		{"most members", NewState("c"), manyUsers(MaxMembers - 1), "t", append([]string{"alice"}, manyUsers(MaxMembers-1)...), ""},
		{"bad chat id", NewState(strings.Repeat("c", MaxIDBytes+1)), nil, "t", nil, CodeInvalidPayload},
		{"chat id not UTF-8", NewState("\xff"), nil, "t", nil, CodeInvalidPayload},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rd, r := decideOne(tc.state, Create{By: "alice", Title: tc.title, Members: tc.members})
			checkCode(t, r.Err, tc.code)
			if tc.code != "" && len(rd.Events) != 0 {
				t.Fatalf("a refused create stored %v", rd.Events)
			}
			if tc.code == "" && strings.Join(r.Created.Members, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("members %v, want %v", r.Created.Members, tc.want)
			}
		})
	}
}

func manyUsers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("u%d", i)
	}
	return out
}

func TestDecidePost(t *testing.T) {
	chat := foldAll("c", created("alice", "bob"), posted(1, "alice", "x"))
	cases := []struct {
		name, sender, cmid, body string
		state                    *State
		code                     Code
		repeat                   bool
	}{
		{"ok", "bob", "y", "hi", chat, "", false},
		{"repeat of a stored client_msg_id", "alice", "x", "hi", chat, "", true},
		{"same client_msg_id, other sender", "bob", "x", "hi", chat, "", false},
		{"not member", "mallory", "z", "hi", chat, CodeNotMember, false},
		{"no chat", "alice", "z", "hi", NewState("c"), CodeNotFound, false},
		{"empty body", "alice", "z", "", chat, CodeInvalidPayload, false},
		{"body too long", "alice", "z", strings.Repeat("x", MaxBodyBytes+1), chat, CodeInvalidPayload, false},
		{"longest body", "alice", "z", strings.Repeat("x", MaxBodyBytes), chat, "", false},
		{"no client_msg_id", "alice", "", "hi", chat, CodeInvalidPayload, false},
		{"client_msg_id too long", "alice", strings.Repeat("x", MaxClientMsgID+1), "hi", chat, CodeInvalidPayload, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rd, r := decideOne(tc.state, Post{Sender: tc.sender, ClientMsgID: tc.cmid, Body: tc.body, MessageID: "new"})
			checkCode(t, r.Err, tc.code)
			if stored := len(rd.Events) == 1; stored != (tc.code == "" && !tc.repeat) || stored != r.Stored {
				t.Fatalf("stored %v (reply says %v), events %v", stored, r.Stored, rd.Events)
			}
			if r.Stored && (r.Posted.Seq != 2 || r.Posted.MessageID != "new" || !r.Posted.SentAt.Equal(t0)) {
				t.Fatalf("event %+v", r.Posted)
			}
			if tc.repeat && r.Original != 1 {
				t.Fatalf("a repeat must name the original message, got %+v", r)
			}
		})
	}
}

func TestDecideReadNeverBackwardsAndClamped(t *testing.T) {
	chat := foldAll("c", created("alice", "bob"), posted(1, "alice", "1"), posted(2, "alice", "2"),
		events.ChatRead{ChatID: "c", User: "bob", LastReadSeq: 1})
	cases := []struct {
		read    Read
		want    uint64
		changed bool
		code    Code
	}{
		{Read{User: "bob", Seq: 2}, 2, true, ""},
		{Read{User: "bob", Seq: 0}, 1, false, ""},
		{Read{User: "bob", Seq: 99}, 2, true, ""},
		{Read{User: "bob", ToLatest: true}, 2, true, ""},
		{Read{User: "alice", Seq: 1}, 2, false, ""}, // the sender has read what she sent
		{Read{User: "mallory", Seq: 1}, 0, false, CodeNotMember},
		{Read{User: "bob", Seq: 1}, 0, false, ""},
	}
	cases[len(cases)-1].want = 1
	for _, tc := range cases {
		rd, r := decideOne(chat, tc.read)
		checkCode(t, r.Err, tc.code)
		if tc.code == "" && (r.LastRead != tc.want || r.Stored != tc.changed || len(rd.Events) == 1 != tc.changed) {
			t.Fatalf("%+v: got %d stored %v, want %d %v", tc.read, r.LastRead, r.Stored, tc.want, tc.changed)
		}
	}
}

func TestApplyFoldsState(t *testing.T) {
	s := foldAll("c", created("alice", "bob"), posted(1, "alice", "1"), posted(2, "bob", "2"),
		events.ChatRead{ChatID: "c", User: "alice", LastReadSeq: 2}, events.ChatRead{ChatID: "c", User: "alice", LastReadSeq: 1})
	if s.LatestSeq != 2 || s.Read["alice"] != 2 || s.Read["bob"] != 2 || s.Unread("alice") != 0 || s.Revision != 4 {
		t.Fatalf("state %+v", s)
	}
	if rev, ok := s.RevisionOfSeq(2); !ok || rev > 2 {
		t.Fatalf("revision at or before seq 2: %d %v", rev, ok)
	}
	if _, ok := s.RevisionOfSeq(3); ok {
		t.Fatal("a revision for a seq that does not exist yet")
	}
	if _, ok := s.Posted("bob", "2"); !ok {
		t.Fatal("dedup index lost a message")
	}
}

func TestRevisionIndexSpansTheTimeline(t *testing.T) {
	evs := []events.Event{created("alice")}
	for seq := uint64(1); seq <= 3*seqRevEvery; seq++ {
		evs = append(evs, posted(seq, "alice", fmt.Sprint(seq)), events.ChatRead{ChatID: "c", User: "alice", LastReadSeq: seq})
	}
	s := foldAll("c", evs...)
	for _, seq := range []uint64{1, seqRevEvery, seqRevEvery + 1, 3 * seqRevEvery} {
		rev, ok := s.RevisionOfSeq(seq)
		if want := 2*seq - 1; !ok || rev > want || want-rev >= 2*seqRevEvery {
			t.Fatalf("seq %d: revision %d %v, message is at %d", seq, rev, ok, want)
		}
	}
}

func TestDedupWindowIsPerSender(t *testing.T) {
	d := newDedupIndex(2)
	for i, k := range []string{"a", "b", "c"} {
		d.add("alice", k, uint64(i+1))
	}
	for i := range 10 { // a busy sender does not evict anyone else's entries
		d.add("carol", fmt.Sprint("x", i), uint64(10+i))
	}
	if _, ok := d.get("alice", "a"); ok {
		t.Fatal("oldest not evicted")
	}
	for k, want := range map[string]uint64{"b": 2, "c": 3} {
		if seq, ok := d.get("alice", k); !ok || seq != want {
			t.Fatalf("alice %s: %d %v, want %d", k, seq, ok, want)
		}
	}
	if _, ok := d.get("bob", "b"); ok {
		t.Fatal("another sender's id matched")
	}
	if seq, ok := d.get("carol", "x9"); !ok || seq != 19 {
		t.Fatalf("carol newest: %d %v", seq, ok)
	}
	if _, ok := d.get("carol", "x7"); ok {
		t.Fatal("carol's window holds more than 2")
	}
}

// TestDedupWindowHoldsTheLast256: a chat remembers a sender's last
// DedupPerSender client_msg_ids, and no more.
func TestDedupWindowHoldsTheLast256(t *testing.T) {
	evs := []events.Event{created("alice")}
	for seq := uint64(1); seq <= DedupPerSender+1; seq++ {
		evs = append(evs, posted(seq, "alice", fmt.Sprint(seq)))
	}
	s := foldAll("c", evs...)
	if _, r := decideOne(s, Post{Sender: "alice", ClientMsgID: "2", Body: "b"}); r.Original != 2 {
		t.Fatalf("the %dth newest send is not remembered: %+v", DedupPerSender, r)
	}
	if _, r := decideOne(s, Post{Sender: "alice", ClientMsgID: "1", Body: "b"}); !r.Stored {
		t.Fatalf("a send older than the window is remembered: %+v", r)
	}
}

// TestDecideDoesNotChangeTheState: deciding reads the state only.
func TestDecideDoesNotChangeTheState(t *testing.T) {
	s := foldAll("c", created("alice", "bob"), posted(1, "alice", "x"))
	before := fmt.Sprintf("%+v %v", *s, s.Read)
	Decide(s, t0, []Command{Post{Sender: "bob", ClientMsgID: "y", Body: "b"}, Read{User: "bob", ToLatest: true}, Create{By: "x"}})
	if after := fmt.Sprintf("%+v %v", *s, s.Read); after != before {
		t.Fatalf("state changed:\n%s\n%s", before, after)
	}
}

// TestBatchIsDecidedAsOneByOne: deciding commands as one batch stores the
// same events and answers the same as deciding them one at a time with
// each batch applied before the next, on random command mixes.
func TestBatchIsDecidedAsOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		cmds := randomCommands(rng, 1+rng.IntN(12))
		start := func() *State {
			if round%3 == 0 {
				return NewState("c")
			}
			return foldAll("c", created("alice", "bob"), posted(1, "alice", "a0"))
		}
		batch, one := start(), start()
		rd := Decide(batch, t0, cmds)
		batch.Advance(rd, batch.Revision+1)
		var evs []events.Event
		var replies []Reply
		for i, c := range cmds {
			r1 := Decide(one, t0, []Command{c})
			one.Advance(r1, one.Revision+1)
			for _, e := range r1.Events {
				evs = append(evs, e.Event)
			}
			for _, r := range r1.Replies {
				r.Cmd, r.Waits = i, false
				replies = append(replies, r)
			}
		}
		var got []events.Event
		for _, e := range rd.Events {
			got = append(got, e.Event)
		}
		if !reflect.DeepEqual(got, evs) {
			t.Fatalf("round %d %+v:\nbatch events %+v\none by one   %+v", round, cmds, got, evs)
		}
		for i := range rd.Replies {
			r := rd.Replies[i]
			r.Waits = false
			if r.Original == 0 && !r.Stored && r.Posted.Seq != 0 { // a repeat within the batch
				r.Original, r.Posted = r.Posted.Seq, events.MessagePosted{}
			}
			if !reflect.DeepEqual(r, replies[i]) {
				t.Fatalf("round %d %+v: reply %d\nbatch      %+v\none by one %+v", round, cmds, i, r, replies[i])
			}
		}
		if !reflect.DeepEqual(batch.Read, one.Read) || batch.LatestSeq != one.LatestSeq || batch.Created != one.Created {
			t.Fatalf("round %d: states differ", round)
		}
	}
}

func randomCommands(rng *rand.Rand, n int) []Command {
	users := []string{"alice", "bob", "mallory"}
	out := make([]Command, n)
	for i := range out {
		u := users[rng.IntN(len(users))]
		switch rng.IntN(4) {
		case 0:
			out[i] = Create{By: u, Title: "t", Members: []string{"bob"}}
		case 1:
			out[i] = Post{Sender: u, ClientMsgID: fmt.Sprint("a", rng.IntN(3)), Body: "b", MessageID: fmt.Sprint("m", i)}
		case 2:
			out[i] = Read{User: u, Seq: uint64(rng.IntN(5)), ToLatest: rng.IntN(4) == 0}
		default:
			out[i] = Typing{User: u, IsTyping: true}
		}
	}
	return out
}
