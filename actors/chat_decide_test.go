package actors

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fold applies events in order as a chat stream would hold them.
func fold(t *testing.T, id string, evs ...events.Event) *ChatState {
	t.Helper()
	s := NewChatState(id)
	for i, ev := range evs {
		s.Apply(events.RecordedEvent{Revision: uint64(i), Type: ev.EventType()}, ev)
	}
	return s
}

func created(members ...string) events.ChatCreated {
	return events.ChatCreated{ChatID: "c", Title: "t", Members: members, CreatedBy: members[0], At: t0}
}

func posted(seq uint64, sender, cmid string) events.MessagePosted {
	return events.MessagePosted{ChatID: "c", Seq: seq, MessageID: "m" + cmid, Sender: sender, Body: "b", ClientMsgID: cmid, SentAt: t0}
}

func TestDecideCreate(t *testing.T) {
	cases := []struct {
		name    string
		state   *ChatState
		members []string
		title   string
		want    []string
		code    Code
	}{
		{"creator always member, dups removed", NewChatState("c"), []string{"bob", "alice", "bob"}, "t", []string{"alice", "bob"}, ""},
		{"existing chat", fold(t, "c", created("alice")), nil, "t", nil, CodeConflict},
		{"empty member id", NewChatState("c"), []string{""}, "t", nil, CodeInvalidPayload},
		{"title too long", NewChatState("c"), nil, strings.Repeat("x", MaxTitleBytes+1), nil, CodeInvalidPayload},
		{"too many members", NewChatState("c"), manyUsers(MaxMembers), "t", nil, CodeInvalidPayload},
		{"bad chat id", NewChatState(strings.Repeat("c", MaxIDBytes+1)), nil, "t", nil, CodeInvalidPayload},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := DecideCreate(tc.state, tc.title, tc.members, "alice", t0)
			checkCode(t, err, tc.code)
			if tc.code == "" && strings.Join(ev.Members, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("members %v, want %v", ev.Members, tc.want)
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

func checkCode(t *testing.T, err error, code Code) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

func TestDecidePost(t *testing.T) {
	chat := fold(t, "c", created("alice", "bob"), posted(1, "alice", "x"))
	cases := []struct {
		name, sender, cmid, body string
		state                    *ChatState
		code                     Code
		dup                      bool
	}{
		{"ok", "bob", "y", "hi", chat, "", false},
		{"repeat of a stored client_msg_id", "alice", "x", "hi", chat, "", true},
		{"same client_msg_id, other sender", "bob", "x", "hi", chat, "", false},
		{"not member", "mallory", "z", "hi", chat, CodeNotMember, false},
		{"no chat", "alice", "z", "hi", NewChatState("c"), CodeNotFound, false},
		{"empty body", "alice", "z", "", chat, CodeInvalidPayload, false},
		{"body too long", "alice", "z", strings.Repeat("x", MaxBodyBytes+1), chat, CodeInvalidPayload, false},
		{"no client_msg_id", "alice", "", "hi", chat, CodeInvalidPayload, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, dup, err := DecidePost(tc.state, PostInput{Sender: tc.sender, ClientMsgID: tc.cmid, Body: tc.body, NextSeq: 2, MessageID: "new", Now: t0})
			checkCode(t, err, tc.code)
			if dup != tc.dup {
				t.Fatalf("dup %v, want %v", dup, tc.dup)
			}
			if tc.code == "" && !dup && (ev.Seq != 2 || ev.MessageID != "new") {
				t.Fatalf("event %+v", ev)
			}
			if dup && ev.Seq != 1 {
				t.Fatalf("a repeat must return the original message, got %+v", ev)
			}
		})
	}
}

func TestDecideReadNeverBackwardsAndClamped(t *testing.T) {
	chat := fold(t, "c", created("alice", "bob"), posted(1, "alice", "1"), posted(2, "alice", "2"),
		events.ChatRead{ChatID: "c", User: "bob", LastReadSeq: 1})
	cases := []struct {
		user    string
		seq     uint64
		want    uint64
		changed bool
		code    Code
	}{
		{"bob", 2, 2, true, ""},
		{"bob", 0, 1, false, ""},
		{"bob", 99, 2, true, ""},
		{"alice", 1, 2, false, ""}, // the sender has read what she sent
		{"mallory", 1, 0, false, CodeNotMember},
	}
	for _, tc := range cases {
		ev, changed, err := DecideRead(chat, tc.user, tc.seq, t0)
		checkCode(t, err, tc.code)
		if tc.code == "" && (ev.LastReadSeq != tc.want || changed != tc.changed) {
			t.Fatalf("%s read %d: got %d changed %v, want %d %v", tc.user, tc.seq, ev.LastReadSeq, changed, tc.want, tc.changed)
		}
	}
}

func TestApplyFoldsState(t *testing.T) {
	s := fold(t, "c", created("alice", "bob"), posted(1, "alice", "1"), posted(2, "bob", "2"),
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

func TestMessageRingSpans(t *testing.T) {
	r := newMessageRing(3)
	for i := uint64(1); i <= 5; i++ {
		r.add(events.MessagePosted{Seq: i})
	}
	if got, ok := r.span(3, 5); !ok || len(got) != 3 || got[0].Seq != 3 || got[2].Seq != 5 {
		t.Fatalf("span 3..5: %v %v", got, ok)
	}
	if _, ok := r.span(2, 5); ok {
		t.Fatal("span below the ring must fall back to the store")
	}
}

// TestPageCacheIsBoundedPerChatAndPerNode: a chat keeps at most cachedPages
// pages, and all chats of a node at most maxPages together; a chat holding
// none when the node is full keeps nothing.
func TestPageCacheIsBoundedPerChatAndPerNode(t *testing.T) {
	n := newNode(Config{})
	n.maxPages = cachedPages + 2
	page := func(k uint64) []events.MessagePosted {
		out := make([]events.MessagePosted, pageSize)
		for i := range out {
			out[i].Seq = k*pageSize + uint64(i) + 1
		}
		return out
	}
	a, b, c := newChatActor(n, "a"), newChatActor(n, "b"), newChatActor(n, "c")
	for k := range uint64(cachedPages + 5) {
		a.keepPage(k, page(k))
	}
	if len(a.pages.pages) != cachedPages || a.pages.pages[0] != nil || a.pages.pages[cachedPages+4] == nil {
		t.Fatalf("chat a keeps %d pages (want the newest %d)", len(a.pages.pages), cachedPages)
	}
	for k := range uint64(3) {
		b.keepPage(k, page(k))
	}
	if n.pagesCached.Load() != n.maxPages || len(b.pages.pages) != 2 {
		t.Fatalf("node holds %d pages (max %d), chat b %d", n.pagesCached.Load(), n.maxPages, len(b.pages.pages))
	}
	c.keepPage(0, page(0))
	if len(c.pages.pages) != 0 || n.pagesCached.Load() != n.maxPages {
		t.Fatalf("a chat with no page kept one on a full node (%d, node %d)", len(c.pages.pages), n.pagesCached.Load())
	}
	b.keepPage(5, page(5)[3:]) // not starting at the page's first seq: never kept
	if b.pages.pages[5] != nil {
		t.Fatal("a page with a gap at its start was kept")
	}
}
