package actors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
)

// Outcomes unknownStore gives a chat append.
const (
	appendNormal      int32 = iota
	appendLoseAck           // lands, then reports a failure (a timeout just after the commit)
	appendLandLate          // reports the writer's timeout, lands once released (a store still busy with it)
	appendLostToOther       // another appender stores the revision first; reports a failure, stores nothing
	appendNotStored         // reports a failure, stores nothing
)

// unknownStore is a real store whose chat appends can have an unknown
// outcome for the appender: stored although reported failed, or stored
// after the appender gave up. Other streams are untouched.
type unknownStore struct {
	events.Store
	mode atomic.Int32
	// held are the appends of appendLandLate, in the order they came;
	// landNext stores the first.
	mu   sync.Mutex
	held []func() error
}

// landNext stores the oldest held append (after its appender gave up)
// and returns the store's answer.
func (s *unknownStore) landNext(t *testing.T) error {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.held) == 0 {
		t.Fatal("no append held")
	}
	land := s.held[0]
	s.held = s.held[1:]
	return land()
}

var errAckLost = errors.New("unknownStore: stored, acknowledgement lost")

func (s *unknownStore) Append(ctx context.Context, stream string, expected events.ExpectedRevision, evs ...events.EventData) (events.AppendResult, error) {
	if !strings.HasPrefix(stream, events.ChatStreamPrefix) {
		return s.Store.Append(ctx, stream, expected, evs...)
	}
	switch s.mode.Load() {
	case appendLoseAck:
		if _, err := s.Store.Append(ctx, stream, expected, evs...); err != nil {
			return events.AppendResult{}, err
		}
		return events.AppendResult{}, errAckLost
	case appendLandLate:
		s.mu.Lock()
		s.held = append(s.held, func() error {
			_, err := s.Store.Append(context.Background(), stream, expected, evs...)
			return err
		})
		s.mu.Unlock()
		<-ctx.Done()
		return events.AppendResult{}, ctx.Err()
	case appendLostToOther:
		s.mode.Store(appendNormal)
		other := events.MessagePosted{ChatID: "c1", Seq: 2, MessageID: "x", Sender: "bob", ClientMsgID: "b1", Body: "from elsewhere", SentAt: time.Now().UTC()}
		d, err := events.Encode(other, events.Metadata{Node: "elsewhere"})
		if err != nil {
			return events.AppendResult{}, err
		}
		if _, err := s.Store.Append(ctx, stream, expected, d); err != nil {
			return events.AppendResult{}, err
		}
		return events.AppendResult{}, errAckLost
	case appendNotStored:
		return events.AppendResult{}, errAckLost
	}
	return s.Store.Append(ctx, stream, expected, evs...)
}

// unknownOutcomeChat is a node on an unknownStore and a chat c1 of alice
// and bob: alice's connection k-alice sends, her second device k-alice-2
// and bob's k-bob only receive. Seq 1 is stored normally.
type unknownOutcomeChat struct {
	store                 *unknownStore
	inner                 events.Store
	alice                 *Conn
	sAlice, sAlice2, sBob *gatedSocket
}

func newUnknownOutcomeChat(t *testing.T) *unknownOutcomeChat {
	t.Helper()
	inner, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	us := &unknownStore{Store: inner}
	n, err := New(context.Background(), Config{Store: us, Encoder: jsonEncoder{}, Name: "n",
		Writer: WriterConfig{AppendTimeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	u := &unknownOutcomeChat{store: us, inner: inner,
		sAlice: &gatedSocket{gate: open}, sAlice2: &gatedSocket{gate: open}, sBob: &gatedSocket{gate: open}}
	// A first frame from each receiver ends its new-connection hold at once
	// (SyncWait), as a client's first command does; its pong shows the
	// connection has told its user actor it is there, before the chat
	// exists (so its welcome carries chat_created).
	n.Connect(ConnInfo{ConnectionID: "k-alice-2", UserID: "alice"}, u.sAlice2).Handle(protocol.Ping{Ref: "p"})
	n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, u.sBob).Handle(protocol.Ping{Ref: "p"})
	waitFor(t, u.sAlice2, `"type":"pong"`)
	waitFor(t, u.sBob, `"type":"pong"`)
	u.alice = n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, u.sAlice)
	u.alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
	waitFor(t, u.sAlice, `"type":"ack","ref":"c"`)
	waitFor(t, u.sBob, `"type":"chat_created"`)
	waitFor(t, u.sAlice2, `"type":"chat_created"`)
	u.send("s1", "m1")
	waitFor(t, u.sAlice, `"type":"ack","ref":"s1"`)
	return u
}

func (u *unknownOutcomeChat) send(ref, clientMsgID string) {
	u.alice.Handle(protocol.SendMessage{Ref: ref, ChatID: "c1", ClientMsgID: clientMsgID, Body: "body of " + clientMsgID})
}

// check posts m3 normally and then checks what every connection has: seqs
// 1 to 3 once each (frames, and alice's acks), frames in seq order; a
// resend of m2 gets its original seq 2, a new post seq 4, and the log
// holds seqs 1 to 4 once each.
func (u *unknownOutcomeChat) check(t *testing.T) {
	t.Helper()
	u.send("s3", "m3")
	waitFor(t, u.sAlice, `"ref":"s3"`)
	noop := func(string) {}
	waitSeqs(t, 3, member{"bob", u.sBob, noop}, member{"alice-2", u.sAlice2, noop}, member{"alice", u.sAlice, noop})
	u.send("s2-again", "m2")
	waitFor(t, u.sAlice, `"ref":"s2-again"`)
	if seq := ackSeq(t, u.sAlice, "s2-again"); seq != 2 {
		t.Fatalf("m2 resent: acked with seq %d, want the original 2", seq)
	}
	u.send("s4", "m4")
	waitFor(t, u.sAlice, `"ref":"s4"`)
	if seq := ackSeq(t, u.sAlice, "s4"); seq != 4 {
		t.Fatalf("m4 acked with seq %d, want 4", seq)
	}
	var got []string
	for rec, err := range u.inner.ReadStream(context.Background(), events.ChatStream("c1"), events.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if ev, err := events.Decode(rec); err == nil {
			if m, ok := ev.(events.MessagePosted); ok {
				got = append(got, fmt.Sprintf("%d:%s", m.Seq, m.ClientMsgID))
			}
		}
	}
	if fmt.Sprint(got) != "[1:m1 2:m2 3:m3 4:m4]" {
		t.Fatalf("the log holds %v, want [1:m1 2:m2 3:m3 4:m4]", got)
	}
}

// TestAppendAckLostStillDelivered: a post whose append lands but is
// reported failed (issue #17: a timeout just after the commit) reaches
// every member connection live, alice's other device and bob as a
// message frame in seq order, and alice, the sender, with its seq (an
// ack, or the frame when she was told `unavailable`); her resend gets
// the original seq, and no seq is skipped or forked after it.
func TestAppendAckLostStillDelivered(t *testing.T) {
	u := newUnknownOutcomeChat(t)
	u.store.mode.Store(appendLoseAck)
	u.send("s2", "m2")
	waitFor(t, u.sAlice, `"ref":"s2"`)
	u.store.mode.Store(appendNormal)
	u.check(t)
}

// TestAppendLandingAfterTimeoutStillDelivered: a post whose append the
// writer gave up on (its timeout) is answered `unavailable`, and is
// stored afterwards. Every member connection gets it live, the sender's
// included (it was told `unavailable`, so no ack stands for it); the
// resend gets the original seq, and no seq is skipped or forked.
func TestAppendLandingAfterTimeoutStillDelivered(t *testing.T) {
	u := newUnknownOutcomeChat(t)
	u.store.mode.Store(appendLandLate)
	u.send("s2", "m2")
	waitFor(t, u.sAlice, `"ref":"s2"`)
	waitFor(t, u.sAlice, `"code":"unavailable"`)
	u.store.mode.Store(appendNormal)
	if err := u.store.landNext(t); err != nil {
		t.Fatalf("the late append did not land: %v", err)
	}
	waitFor(t, u.sBob, `"client_msg_id":"m2"`)
	u.check(t)
}

// TestAppendLostToAnotherAppenderDecidedAgain: a post whose append failed
// with an unknown outcome while another appender stored the revision it
// was decided for is decided again after the catch-up: stored with the
// next seq and acked (no `unavailable`), and every connection gets the
// other appender's message and the post, in seq order.
func TestAppendLostToAnotherAppenderDecidedAgain(t *testing.T) {
	u := newUnknownOutcomeChat(t)
	u.store.mode.Store(appendLostToOther)
	u.send("s2", "m2")
	waitFor(t, u.sAlice, `"ref":"s2"`)
	if seq := ackSeq(t, u.sAlice, "s2"); seq != 3 {
		t.Fatalf("m2 acked with seq %d, want 3 (after the other appender's 2)", seq)
	}
	noop := func(string) {}
	waitSeqs(t, 3, member{"bob", u.sBob, noop}, member{"alice-2", u.sAlice2, noop}, member{"alice", u.sAlice, noop})
}

// TestAppendNotStoredIsUnavailable: a post whose append failed and did
// not land is answered `unavailable`; its resend is stored with the next
// seq, and every connection gets it once.
func TestAppendNotStoredIsUnavailable(t *testing.T) {
	u := newUnknownOutcomeChat(t)
	u.store.mode.Store(appendNotStored)
	u.send("s2", "m2")
	waitFor(t, u.sAlice, `"ref":"s2"`)
	waitFor(t, u.sAlice, `"code":"unavailable"`)
	u.store.mode.Store(appendNormal)
	u.send("s2-again", "m2")
	waitFor(t, u.sAlice, `"ref":"s2-again"`)
	if seq := ackSeq(t, u.sAlice, "s2-again"); seq != 2 {
		t.Fatalf("m2 resent: acked with seq %d, want 2", seq)
	}
	noop := func(string) {}
	waitSeqs(t, 2, member{"bob", u.sBob, noop}, member{"alice-2", u.sAlice2, noop}, member{"alice", u.sAlice, noop})
}

// TestTwoAppendsLandingLateStillDelivered: two posts in a row whose
// appends the writer gave up on, both decided for the same revision (the
// first was not in the log when the second was decided), both answered
// `unavailable`. The first lands afterwards, the second then cannot. The
// first reaches every member connection live, its sender's included; the
// second's resend is stored after it.
func TestTwoAppendsLandingLateStillDelivered(t *testing.T) {
	u := newUnknownOutcomeChat(t)
	u.store.mode.Store(appendLandLate)
	u.send("s2", "m2")
	waitFor(t, u.sAlice, `"ref":"s2"`)
	u.send("s3-first", "m3")
	waitFor(t, u.sAlice, `"ref":"s3-first"`)
	u.store.mode.Store(appendNormal)
	if err := u.store.landNext(t); err != nil {
		t.Fatalf("the first late append did not land: %v", err)
	}
	if err := u.store.landNext(t); !errors.Is(err, events.ErrWrongExpectedRevision) {
		t.Fatalf("the second late append: %v, want a conflict", err)
	}
	waitFor(t, u.sBob, `"client_msg_id":"m2"`)
	u.check(t)
}
