package actors

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
)

// scriptedStore is a real embedded store whose appends to chat c1 wait,
// one by one, for the test to say how they end (next); other appends go
// straight through.
type scriptedStore struct {
	events.Store
	turns chan chan error
}

func newScriptedStore(t *testing.T) *scriptedStore {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &scriptedStore{Store: st, turns: make(chan chan error, 16)}
}

func (s *scriptedStore) Append(ctx context.Context, stream string, expected events.ExpectedRevision, evs ...events.EventData) (events.AppendResult, error) {
	if stream != events.ChatStream("c1") {
		return s.Store.Append(ctx, stream, expected, evs...)
	}
	turn := make(chan error)
	s.turns <- turn
	select {
	case err := <-turn:
		if err != nil {
			return events.AppendResult{}, err
		}
	case <-ctx.Done():
		return events.AppendResult{}, ctx.Err()
	}
	return s.Store.Append(ctx, stream, expected, evs...)
}

// next lets the next append end with err (nil: it goes through), failing
// the test if no append comes.
func (s *scriptedStore) next(t *testing.T, err error) {
	t.Helper()
	select {
	case turn := <-s.turns:
		turn <- err
	case <-time.After(10 * time.Second):
		t.Fatal("no append came")
	}
}

// handled waits until the chat has taken in every request c sent so far:
// a get_history is answered by the chat at once, after them.
func handled(t *testing.T, c *Conn, sock *gatedSocket, ref string) {
	t.Helper()
	c.Handle(protocol.GetHistory{Ref: ref, ChatID: "c1", Limit: 1})
	waitFor(t, sock, `"ref":"`+ref+`"`)
}

func ackFrame(t *testing.T, sock *gatedSocket, ref string) string {
	t.Helper()
	waitFor(t, sock, `"ref":"`+ref+`"`)
	frames, _ := sock.state()
	for _, f := range frames {
		if strings.Contains(f, `"ref":"`+ref+`"`) {
			return f
		}
	}
	return ""
}

func field(f, name string) string {
	i := strings.Index(f, `"`+name+`":`)
	if i < 0 {
		return ""
	}
	rest := f[i+len(name)+3:]
	return rest[:strings.IndexAny(rest, ",}")]
}

// TestRetryDuringAppendGetsTheOriginalAck: a send retried while the
// original is being appended is answered, once the original is durable,
// with the original's ack (same seq and message id); nothing is stored
// twice and acks wait for durability.
func TestRetryDuringAppendGetsTheOriginalAck(t *testing.T) {
	st := newScriptedStore(t)
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sock := &gatedSocket{gate: open}
	c := n.Connect(ConnInfo{ConnectionID: "k1", UserID: "alice"}, sock)
	c.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t"})
	st.next(t, nil)
	waitFor(t, sock, `"type":"ack","ref":"c"`)

	c.Handle(protocol.SendMessage{Ref: "a", ChatID: "c1", ClientMsgID: "x", Body: "one"})
	c.Handle(protocol.SendMessage{Ref: "again", ChatID: "c1", ClientMsgID: "x", Body: "one"})
	handled(t, c, sock, "h")
	if frames, _ := sock.state(); strings.Contains(strings.Join(frames, "\n"), `"ref":"a"`) {
		t.Fatal("a send was acked before its append was durable")
	}
	st.next(t, nil)
	a, again := ackFrame(t, sock, "a"), ackFrame(t, sock, "again")
	if field(a, "seq") != "1" || field(again, "seq") != "1" || field(a, "message_id") != field(again, "message_id") {
		t.Fatalf("original %s\nretry %s", a, again)
	}
	c.Handle(protocol.SendMessage{Ref: "b", ChatID: "c1", ClientMsgID: "y", Body: "two"})
	st.next(t, nil)
	if b := ackFrame(t, sock, "b"); field(b, "seq") != "2" {
		t.Fatalf("next message %s, want seq 2", b)
	}
}

// TestFailedAppendDecidesWaitingCommandsAgain: when the append of a batch
// fails, the send whose message it carried is answered `unavailable`; a
// retry of it that was waiting in the same batch is decided again and
// stored (once, with the next seq: no gap), instead of sharing the failure.
func TestFailedAppendDecidesWaitingCommandsAgain(t *testing.T) {
	st := newScriptedStore(t)
	n, err := New(context.Background(), Config{Store: st, Encoder: jsonEncoder{}})
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	sock := &gatedSocket{gate: open}
	c := n.Connect(ConnInfo{ConnectionID: "k1", UserID: "alice"}, sock)
	c.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t"})
	st.next(t, nil)
	waitFor(t, sock, `"type":"ack","ref":"c"`)

	c.Handle(protocol.SendMessage{Ref: "z", ChatID: "c1", ClientMsgID: "z", Body: "first"}) // in flight
	c.Handle(protocol.SendMessage{Ref: "a", ChatID: "c1", ClientMsgID: "x", Body: "one"})   // next batch
	c.Handle(protocol.SendMessage{Ref: "again", ChatID: "c1", ClientMsgID: "x", Body: "one"})
	handled(t, c, sock, "h")
	st.next(t, nil)                     // z is stored
	st.next(t, errors.New("disk full")) // the batch of a and again fails
	st.next(t, nil)                     // again, decided again, is stored
	if z := ackFrame(t, sock, "z"); field(z, "seq") != "1" {
		t.Fatalf("z: %s", z)
	}
	if a := ackFrame(t, sock, "a"); !strings.Contains(a, `"code":"unavailable"`) {
		t.Fatalf("a: %s, want unavailable", a)
	}
	if again := ackFrame(t, sock, "again"); field(again, "seq") != "2" || !strings.Contains(again, `"type":"ack"`) {
		t.Fatalf("again: %s, want an ack with seq 2", again)
	}
	msgs, err := readMessages(context.Background(), st, "c1", 0, 1, 10)
	if err != nil || len(msgs) != 2 || msgs[1].Message.ClientMsgID != "x" {
		t.Fatalf("stored %+v %v", msgs, err)
	}
}
