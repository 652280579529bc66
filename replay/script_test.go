package replay

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/chat"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// t0 is the start of the scripted session.
var t0 = time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// session appends events to a real embedded store the way the live actors
// would: chat events are decided by chat.Decide on a live state that then
// applies what was stored.
type session struct {
	t     *testing.T
	ctx   context.Context
	store *embedded.Store
	n     int
	chats map[string]*chat.State
	// snaps[pos] is the live chat state's view right after the event at pos.
	snaps map[uint64]ChatView
}

func newSession(t *testing.T, dir string) *session {
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return &session{t: t, ctx: context.Background(), store: st, chats: map[string]*chat.State{}, snaps: map[uint64]ChatView{}}
}

// id returns the next fixed event id.
func (s *session) id() string {
	s.n++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.n)
}

func (s *session) append(stream string, ev events.Event, md events.Metadata) events.RecordedEvent {
	s.t.Helper()
	data := events.MustEncode(ev, md)
	data.ID = s.id()
	res, err := s.store.Append(s.ctx, stream, events.Any(), data)
	if err != nil {
		s.t.Fatalf("append %s: %v", stream, err)
	}
	return events.RecordedEvent{ID: data.ID, Stream: stream, Revision: res.NextExpectedRevision,
		Position: res.Position, Type: data.Type, Data: data.Data, Metadata: md}
}

func (s *session) chat(id string) *chat.State {
	if c, ok := s.chats[id]; ok {
		return c
	}
	c := chat.NewState(id)
	s.chats[id] = c
	return c
}

// applyLive applies a stored chat event to the live state and keeps a
// snapshot, as the chat actor does after the append is confirmed.
func (s *session) applyLive(chatID string, rec events.RecordedEvent) {
	s.t.Helper()
	c := s.chat(chatID)
	if err := c.ApplyRecorded(rec); err != nil {
		s.t.Fatal(err)
	}
	s.snaps[rec.Position] = viewOf(c, newEntry(rec))
}

// decide decides one command against the chat's live state, as the chat
// actor does, appends the event it yields (if any) and applies it.
func (s *session) decide(chatID string, cmd chat.Command, when time.Time, md events.Metadata) (events.RecordedEvent, bool) {
	s.t.Helper()
	rd := chat.Decide(s.chat(chatID), when, []chat.Command{cmd})
	if len(rd.Events) == 0 {
		return events.RecordedEvent{}, false
	}
	rec := s.append(events.ChatStream(chatID), rd.Events[0].Event, md)
	s.applyLive(chatID, rec)
	return rec, true
}

func (s *session) create(chatID, by, title string, members []string, when time.Time, corr string) events.RecordedEvent {
	s.t.Helper()
	rec, ok := s.decide(chatID, chat.Create{By: by, Title: title, Members: members}, when, events.Metadata{CorrelationID: corr, CausationID: corr, Node: "n1"})
	if !ok {
		s.t.Fatalf("create %s refused", chatID)
	}
	return rec
}

func (s *session) post(chatID, sender, clientMsgID, body string, when time.Time, corr string) (events.RecordedEvent, bool) {
	s.t.Helper()
	id := fmt.Sprintf("msg-%d", s.chat(chatID).LatestSeq+1)
	return s.decide(chatID, chat.Post{Sender: sender, ClientMsgID: clientMsgID, Body: body, MessageID: id}, when,
		events.Metadata{CorrelationID: corr, CausationID: corr, Node: "n1"})
}

func (s *session) read(chatID, user string, seq uint64, when time.Time, md events.Metadata) bool {
	s.t.Helper()
	_, ok := s.decide(chatID, chat.Read{User: user, Seq: seq}, when, md)
	return ok
}

// scriptedSession writes the incident of the golden tests: two users, a
// chat, messages (one sent twice under two client ids), receipts, an error
// on a connection, a refused handshake, a forced reconnect and closed
// connections; then (v1.1) a member added, a message posted, confirmed
// delivered by a device and deleted, an edit and a removal.
func scriptedSession(t *testing.T, dir string) *session {
	s := newSession(t, dir)
	defer s.store.Close()
	md := func(c string) events.Metadata { return events.Metadata{CorrelationID: c, CausationID: c, Node: "n1"} }
	s.append(events.ConnectionStream("k1"), events.ConnectionOpened{ConnectionID: "k1", UserID: "alice", Node: "n1", RemoteAddr: "10.0.0.1:5000", Protocol: "linkup.v1", At: at(0)}, md("k1/open"))
	s.append(events.ConnectionStream("k2"), events.ConnectionOpened{ConnectionID: "k2", UserID: "bob", Node: "n1", RemoteAddr: "10.0.0.2:5000", Protocol: "linkup.v1", At: at(time.Second)}, md("k2/open"))
	s.create("c1", "alice", "incident room", []string{"bob"}, at(5*time.Second), "k1/r1")
	s.post("c1", "alice", "m1", "hello bob", at(10*time.Second), "k1/r2")
	s.read("c1", "bob", 1, at(12*time.Second), md("k2/r1"))
	s.post("c1", "bob", "m1", "hi alice", at(20*time.Second), "k2/r2")
	s.append(events.ConnectionStream("k1"), events.ErrorRecorded{ErrorType: "invalid_json", Message: "frame is not JSON", Severity: events.SeverityLow,
		User: "alice", ConnectionID: "k1", Context: map[string]any{"ref": "r3"}, At: at(time.Minute)}, md("k1/r3"))
	s.append(events.ErrorsStream, events.ErrorRecorded{ErrorType: "unauthorized", Message: "expired token", Severity: events.SeverityMedium,
		Context: map[string]any{"remote_addr": "10.0.0.9:6000"}, At: at(90 * time.Second)}, events.Metadata{Node: "n1"})
	s.post("c1", "alice", "m2", "deploy is rolling back", at(2*time.Minute), "k1/r4")
	s.post("c1", "alice", "m2", "deploy is rolling back", at(2*time.Minute+5*time.Second), "k1/r5")  // same id: deduplicated, not stored
	s.post("c1", "alice", "m3", "deploy is rolling back", at(2*time.Minute+10*time.Second), "k1/r6") // new id: stored twice
	fr := s.append(events.ConnectionStream("k2"), events.ForceReconnectIssued{ConnectionID: "k2", UserID: "bob", Reason: "slow_consumer", RetryAfterMs: 1000, At: at(3 * time.Minute)}, md("k2/slow"))
	s.append(events.ConnectionStream("k2"), events.ConnectionClosed{ConnectionID: "k2", UserID: "bob", Reason: "slow_consumer", MessagesIn: 4, MessagesOut: 9, At: at(3*time.Minute + 500*time.Millisecond)},
		events.Metadata{CorrelationID: "k2/slow", CausationID: fr.ID, Node: "n1"})
	s.append(events.ConnectionStream("k3"), events.ConnectionOpened{ConnectionID: "k3", UserID: "bob", Node: "n1", RemoteAddr: "10.0.0.2:5001", Protocol: "linkup.v1", At: at(3*time.Minute + 5*time.Second)}, md("k3/open"))
	s.read("c1", "bob", 99, at(3*time.Minute+10*time.Second), md("k3/r1"))
	s.append(events.ConnectionStream("k1"), events.ConnectionClosed{ConnectionID: "k1", UserID: "alice", Reason: "client_closed", MessagesIn: 6, MessagesOut: 3, At: at(4 * time.Minute)}, md("k1/close"))
	// v1.1: bob adds carol; carol posts a secret by mistake; alice, the
	// creator, deletes it; alice edits her first message; alice removes
	// carol.
	s.command("c1", chat.AddMembers{By: "bob", Users: []string{"carol"}}, at(5*time.Minute), "k3/r2")
	s.append(events.ConnectionStream("k4"), events.ConnectionOpened{ConnectionID: "k4", UserID: "carol", Node: "n2", RemoteAddr: "10.0.0.3:5000", Protocol: "linkup.v1", At: at(5*time.Minute + 5*time.Second)}, md("k4/open"))
	s.post("c1", "carol", "c1", "the root password is hunter2", at(5*time.Minute+10*time.Second), "k4/r1")
	s.command("c1", chat.Deliver{User: "bob", Conn: "k3", Node: "n1", Seq: 6}, at(5*time.Minute+12*time.Second), "k3/r3")
	s.command("c1", chat.Delete{By: "alice", Seq: 6}, at(5*time.Minute+20*time.Second), "k5/r1")
	s.command("c1", chat.Edit{By: "alice", Seq: 1, Body: "hello bob (edited)"}, at(5*time.Minute+30*time.Second), "k5/r2")
	s.command("c1", chat.RemoveMember{By: "alice", User: "carol"}, at(5*time.Minute+40*time.Second), "k5/r3")
	return s
}

// command decides a v1.1 command that must store its event.
func (s *session) command(chatID string, cmd chat.Command, when time.Time, corr string) {
	s.t.Helper()
	if _, ok := s.decide(chatID, cmd, when, events.Metadata{CorrelationID: corr, CausationID: corr, Node: "n1"}); !ok {
		s.t.Fatalf("%T refused", cmd)
	}
}

// openReplay opens dir read-only, as the command does.
func openReplay(t testing.TB, dir string, timeOrdered bool) *Replayer {
	st, err := embedded.Open(embedded.Config{Dir: dir, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := New(Config{Store: st, TimeOrdered: timeOrdered})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
