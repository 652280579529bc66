package replay

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
)

// t0 is the start of the scripted session.
var t0 = time.Date(2025, 3, 4, 10, 30, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// session appends events to a real embedded store the way the live actors
// would: chat events are decided by actors.Decide* on a live state that
// then applies what was stored.
type session struct {
	t     *testing.T
	ctx   context.Context
	store *embedded.Store
	n     int
	chats map[string]*actors.ChatState
	// snaps[pos] is the live chat state's view right after the event at pos.
	snaps map[uint64]ChatView
}

func newSession(t *testing.T, dir string) *session {
	st, err := embedded.Open(embedded.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return &session{t: t, ctx: context.Background(), store: st, chats: map[string]*actors.ChatState{}, snaps: map[uint64]ChatView{}}
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

func (s *session) chat(id string) *actors.ChatState {
	if c, ok := s.chats[id]; ok {
		return c
	}
	c := actors.NewChatState(id)
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

func (s *session) create(chatID, by, title string, members []string, when time.Time, corr string) events.RecordedEvent {
	s.t.Helper()
	ev, err := actors.DecideCreate(s.chat(chatID), title, members, by, when)
	if err != nil {
		s.t.Fatal(err)
	}
	rec := s.append(events.ChatStream(chatID), ev, events.Metadata{CorrelationID: corr, CausationID: corr, Node: "n1"})
	s.applyLive(chatID, rec)
	return rec
}

func (s *session) post(chatID, sender, clientMsgID, body string, when time.Time, corr string) (events.RecordedEvent, bool) {
	s.t.Helper()
	c := s.chat(chatID)
	ev, dup, err := actors.DecidePost(c, actors.PostInput{Sender: sender, ClientMsgID: clientMsgID, Body: body,
		NextSeq: c.LatestSeq + 1, MessageID: fmt.Sprintf("msg-%d", c.LatestSeq+1), Now: when})
	if err != nil || dup {
		return events.RecordedEvent{}, false
	}
	rec := s.append(events.ChatStream(chatID), ev, events.Metadata{CorrelationID: corr, CausationID: corr, Node: "n1"})
	s.applyLive(chatID, rec)
	return rec, true
}

func (s *session) read(chatID, user string, seq uint64, when time.Time, md events.Metadata) bool {
	s.t.Helper()
	ev, changed, err := actors.DecideRead(s.chat(chatID), user, seq, when)
	if err != nil || !changed {
		return false
	}
	rec := s.append(events.ChatStream(chatID), ev, md)
	s.applyLive(chatID, rec)
	return true
}

// scriptedSession writes the incident of the golden tests: two users, a
// chat, messages (one sent twice under two client ids), receipts, an error
// on a connection, a refused handshake, a forced reconnect and closed
// connections.
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
	return s
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
