package actors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
)

// heldStore is a real embedded store whose asynchronous appends to chat
// c1 wait, in order, until the test passes them on to the store (release)
// or answers one with an error instead (fail). The chat sees a store that
// pipelines (AppendAsync) and the test sees when each append is submitted.
type heldStore struct {
	*embedded.Store
	mu   sync.Mutex
	held []heldAppend
}

type heldAppend struct {
	expected events.ExpectedRevision
	evs      []events.EventData
	done     func(events.AppendResult, error)
}

func newHeldStore(t *testing.T) *heldStore {
	st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &heldStore{Store: st}
}

func (s *heldStore) AppendAsync(stream string, expected events.ExpectedRevision, evs []events.EventData, done func(events.AppendResult, error)) error {
	if stream != events.ChatStream("c1") {
		return s.Store.AppendAsync(stream, expected, evs, done)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = append(s.held, heldAppend{expected: expected, evs: evs, done: done})
	return nil
}

// waitHeld waits until n appends to c1 wait.
func (s *heldStore) waitHeld(t *testing.T, n int) {
	t.Helper()
	poll.Until(t, 10*time.Second, fmt.Sprintf("%d appends to c1 submitted", n), func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.held) >= n
	})
}

func (s *heldStore) pop(t *testing.T) heldAppend {
	t.Helper()
	s.waitHeld(t, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.held[0]
	s.held = s.held[1:]
	return a
}

// release passes the oldest waiting append on to the store.
func (s *heldStore) release(t *testing.T) {
	t.Helper()
	a := s.pop(t)
	if err := s.Store.AppendAsync(events.ChatStream("c1"), a.expected, a.evs, a.done); err != nil {
		t.Fatal(err)
	}
}

// fail answers the oldest waiting append with err; the store never sees it.
func (s *heldStore) fail(t *testing.T, err error) {
	t.Helper()
	s.pop(t).done(events.AppendResult{}, err)
}

func (s *heldStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// startHeldChat is a node on a heldStore with chat c1 created by alice
// (connection k1).
func startHeldChat(t *testing.T) (*heldStore, *Conn, *gatedSocket) {
	t.Helper()
	st := newHeldStore(t)
	n := mustNew(t, unlimitedConfig(st))
	sock := openSocket()
	c := n.Connect(ConnInfo{ConnectionID: "k1", UserID: "alice"}, sock)
	c.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t"})
	st.release(t)
	waitFor(t, sock, `"type":"ack","ref":"c"`)
	return st, c, sock
}

func hasRef(sock *gatedSocket, ref string) bool {
	frames, _ := sock.state()
	return strings.Contains(strings.Join(frames, "\n"), `"ref":"`+ref+`"`)
}

// storedSeqs are the seqs of the messages in c1's stream, in revision
// order, with their client_msg_ids.
func storedSeqs(t *testing.T, st events.Store) ([]uint64, []string) {
	t.Helper()
	var seqs []uint64
	var ids []string
	for rec, err := range st.ReadStream(context.Background(), events.ChatStream("c1"), events.ReadStreamOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		ev, err := events.Decode(rec)
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := ev.(events.MessagePosted); ok {
			seqs, ids = append(seqs, m.Seq), append(ids, m.ClientMsgID)
		}
	}
	return seqs, ids
}

// TestChatPipelinesAppends: a send that reaches a chat whose append is in
// flight is decided behind it and submitted before that append is durable
// (on main it waited for it); neither is acked before it is durable, and
// the acks come in order with consecutive seqs.
func TestChatPipelinesAppends(t *testing.T) {
	st, c, sock := startHeldChat(t)
	c.Handle(protocol.SendMessage{Ref: "a", ChatID: "c1", ClientMsgID: "a", Body: "one"})
	st.waitHeld(t, 1)
	c.Handle(protocol.SendMessage{Ref: "b", ChatID: "c1", ClientMsgID: "b", Body: "two"})
	c.Handle(protocol.SendMessage{Ref: "a2", ChatID: "c1", ClientMsgID: "a", Body: "one"}) // a resend, while a is in flight
	st.waitHeld(t, 2)                                                                      // b was submitted while a is not durable
	if hasRef(sock, "a") || hasRef(sock, "b") || hasRef(sock, "a2") {
		t.Fatal("acked before durable")
	}
	st.release(t)
	if a := ackFrame(t, sock, "a"); field(a, "seq") != "1" {
		t.Fatalf("a: %s", a)
	}
	if hasRef(sock, "b") || hasRef(sock, "a2") {
		t.Fatal("b acked before its append was durable")
	}
	st.release(t)
	b, a2 := ackFrame(t, sock, "b"), ackFrame(t, sock, "a2")
	if field(b, "seq") != "2" || field(a2, "seq") != "1" {
		t.Fatalf("b %s\na2 %s", b, a2)
	}
	if seqs, ids := storedSeqs(t, st); fmt.Sprint(seqs, ids) != "[1 2] [a b]" {
		t.Fatalf("stored %v %v", seqs, ids)
	}
}

// TestPipelinedBatchFailsWithTheOneBefore: the first of two appends in
// flight fails with an outcome the chat must learn from the log (it never
// reached the store); the second, decided behind it, is refused by the
// store for its expected revision. The first's send is answered
// `unavailable`; the second's is decided again and stored with the seq
// the first would have had: no gap, no duplicate, no ack before durable.
// Once an append submitted after the failed one is durable, the chat
// pipelines again.
func TestPipelinedBatchFailsWithTheOneBefore(t *testing.T) {
	st, c, sock := startHeldChat(t)
	c.Handle(protocol.SendMessage{Ref: "a", ChatID: "c1", ClientMsgID: "a", Body: "one"})
	st.waitHeld(t, 1)
	c.Handle(protocol.SendMessage{Ref: "b", ChatID: "c1", ClientMsgID: "b", Body: "two"})
	st.waitHeld(t, 2)
	st.fail(t, errors.New("disk full"))
	st.release(t) // expects a's revision: refused
	if a := ackFrame(t, sock, "a"); !strings.Contains(a, `"code":"unavailable"`) {
		t.Fatalf("a: %s, want unavailable", a)
	}
	st.waitHeld(t, 1) // b, decided again
	if hasRef(sock, "b") {
		t.Fatal("b answered before its append was durable")
	}
	st.release(t)
	if b := ackFrame(t, sock, "b"); field(b, "seq") != "1" || !strings.Contains(b, `"type":"ack"`) {
		t.Fatalf("b: %s, want an ack with seq 1", b)
	}
	// a's append never reached the store, and b's, submitted after it,
	// is durable: a cannot land any more, and the chat pipelines again.
	c.Handle(protocol.SendMessage{Ref: "m3", ChatID: "c1", ClientMsgID: "c", Body: "three"})
	st.waitHeld(t, 1)
	c.Handle(protocol.SendMessage{Ref: "m4", ChatID: "c1", ClientMsgID: "d", Body: "four"})
	st.waitHeld(t, 2)
	st.release(t)
	st.release(t)
	if cf, d := ackFrame(t, sock, "m3"), ackFrame(t, sock, "m4"); field(cf, "seq") != "2" || field(d, "seq") != "3" {
		t.Fatalf("c %s\nd %s", cf, d)
	}
	if seqs, ids := storedSeqs(t, st); fmt.Sprint(seqs, ids) != "[1 2 3] [b c d]" {
		t.Fatalf("stored %v %v", seqs, ids)
	}
}

// TestPipelinedBatchesLoseToAnotherAppender: another appender stores two
// messages while two appends of the chat are in flight; both are refused,
// and the chat applies the other appender's messages and stores its own
// after them, in the order they were sent, with the next seqs.
//
// (With one foreign event instead of two, the second append would find
// the stream at the revision it expects and land on the foreign event:
// pipelining relies on the chat being its stream's only appender, which
// the embedded store's directory lock gives; see chat_flights.go.)
func TestPipelinedBatchesLoseToAnotherAppender(t *testing.T) {
	st, c, sock := startHeldChat(t)
	c.Handle(protocol.SendMessage{Ref: "a", ChatID: "c1", ClientMsgID: "a", Body: "one"})
	st.waitHeld(t, 1)
	c.Handle(protocol.SendMessage{Ref: "b", ChatID: "c1", ClientMsgID: "b", Body: "two"})
	st.waitHeld(t, 2)
	var foreign []events.EventData
	for seq := uint64(1); seq <= 2; seq++ {
		d, err := events.Encode(events.MessagePosted{ChatID: "c1", Seq: seq, MessageID: newMessageID(), Sender: "alice",
			Body: "other", ClientMsgID: "f" + strconv.FormatUint(seq, 10), SentAt: now()}, events.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		foreign = append(foreign, d)
	}
	if _, err := st.Store.Append(context.Background(), events.ChatStream("c1"), events.Exact(0), foreign...); err != nil {
		t.Fatal(err)
	}
	st.release(t)
	st.release(t)
	st.waitHeld(t, 1) // a and b, decided again, in one batch
	if hasRef(sock, "a") || hasRef(sock, "b") {
		t.Fatal("answered before durable")
	}
	st.release(t)
	a, b := ackFrame(t, sock, "a"), ackFrame(t, sock, "b")
	if field(a, "seq") != "3" || field(b, "seq") != "4" {
		t.Fatalf("a %s\nb %s", a, b)
	}
	if seqs, ids := storedSeqs(t, st); fmt.Sprint(seqs, ids) != "[1 2 3 4] [f1 f2 a b]" {
		t.Fatalf("stored %v %v", seqs, ids)
	}
}

// flightCounter is a real embedded store that counts the appends to c1
// in flight at once.
type flightCounter struct {
	*embedded.Store
	mu           sync.Mutex
	inFlight, hi int
}

func (s *flightCounter) AppendAsync(stream string, expected events.ExpectedRevision, evs []events.EventData, done func(events.AppendResult, error)) error {
	if stream != events.ChatStream("c1") {
		return s.Store.AppendAsync(stream, expected, evs, done)
	}
	s.mu.Lock()
	s.inFlight++
	s.hi = max(s.hi, s.inFlight)
	s.mu.Unlock()
	return s.Store.AppendAsync(stream, expected, evs, func(res events.AppendResult, err error) {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
		done(res, err)
	})
}

// TestPipelinedChatKeepsOrderUnderConcurrentSenders: five members send at
// once; every message is stored once with seqs 1..N in log order, and
// each connection sees every item exactly once (its own as acks, the
// others' as message frames), the message frames in seq order and its
// acks in the order it sent, with rising seqs. (Acks and message frames
// take different paths to the connection, on main too: an ack may pass
// message frames of lower seqs.)
func TestPipelinedChatKeepsOrderUnderConcurrentSenders(t *testing.T) {
	const users, per = 5, 60
	es, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { es.Close() })
	st := &flightCounter{Store: es}
	n := mustNew(t, unlimitedConfig(st))
	var names []string
	conns, socks := make([]*Conn, users), make([]*gatedSocket, users)
	for i := range users {
		names = append(names, fmt.Sprintf("u%d", i))
		socks[i] = openSocket()
		conns[i] = n.Connect(ConnInfo{ConnectionID: fmt.Sprintf("k%d", i), UserID: names[i]}, socks[i])
	}
	conns[0].Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: names[1:]})
	for _, s := range socks {
		waitFor(t, s, `"type":"chat_created"`)
	}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range per {
				c.Handle(protocol.SendMessage{Ref: fmt.Sprintf("r%03d", j), ChatID: "c1", ClientMsgID: fmt.Sprintf("%s-%d", names[i], j), Body: "x"})
			}
		}()
	}
	wg.Wait()
	total := users * per
	for i, s := range socks {
		poll.Until(t, 30*time.Second, fmt.Sprintf("connection %d sees %d items", i, total), func() bool {
			return len(itemSeqs(t, s, `{"type":"ack"`))+len(itemSeqs(t, s, `{"type":"message"`)) >= total
		})
	}
	seqs, _ := storedSeqs(t, st)
	if len(seqs) != total {
		t.Fatalf("%d messages stored, want %d", len(seqs), total)
	}
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Fatalf("revision order: seq %d at message %d", seq, i+1)
		}
	}
	for i, s := range socks {
		acks, msgs := itemSeqs(t, s, `{"type":"ack"`), itemSeqs(t, s, `{"type":"message"`)
		if !rising(acks) || !rising(msgs) || len(acks) != per || len(acks)+len(msgs) != total {
			t.Fatalf("connection %d: acks %v\nmessages %v", i, acks, msgs)
		}
		if refs := ackRefs(s); !sortedStrings(refs) || len(refs) != per {
			t.Fatalf("connection %d: acks %v", i, refs)
		}
	}
	t.Logf("appends to c1 in flight at once: at most %d", st.hi)
}

// itemSeqs are the seqs of c1's items a connection saw in frames
// starting with prefix (acks or message frames), in the order it saw them.
func itemSeqs(t *testing.T, s *gatedSocket, prefix string) []uint64 {
	frames, _ := s.state()
	var out []uint64
	for _, f := range frames {
		if !strings.HasPrefix(f, prefix) {
			continue
		}
		if v := field(f, "seq"); v != "" && strings.Contains(f, `"chat_id":"c1"`) && !strings.Contains(f, `"ref":"c"`) {
			seq, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				t.Fatalf("frame %s: %v", f, err)
			}
			out = append(out, seq)
		}
	}
	return out
}

func ackRefs(s *gatedSocket) []string {
	frames, _ := s.state()
	var out []string
	for _, f := range frames {
		if strings.HasPrefix(f, `{"type":"ack"`) && strings.Contains(f, `"ref":"r`) {
			out = append(out, strings.Trim(field(f, "ref"), `"`))
		}
	}
	return out
}

func rising(s []uint64) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

func sortedStrings(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

// TestLongChatKeepsOneAppendInFlight: past maxSpecItems a chat does not
// pipeline (the copy of its state would grow with its history): a send
// made while one append is in flight waits for that append's answer
// before it is submitted, and both are stored in order.
func TestLongChatKeepsOneAppendInFlight(t *testing.T) {
	old := maxSpecItems
	maxSpecItems = 1
	t.Cleanup(func() { maxSpecItems = old })
	st, c, sock := startHeldChat(t)
	for i, id := range []string{"a", "b"} { // two items: past the bound
		c.Handle(protocol.SendMessage{Ref: id, ChatID: "c1", ClientMsgID: id, Body: id})
		st.release(t)
		if a := ackFrame(t, sock, id); field(a, "seq") != fmt.Sprint(i+1) {
			t.Fatalf("%s: %s", id, a)
		}
	}
	c.Handle(protocol.SendMessage{Ref: "c", ChatID: "c1", ClientMsgID: "c", Body: "c"})
	st.waitHeld(t, 1)
	c.Handle(protocol.SendMessage{Ref: "d", ChatID: "c1", ClientMsgID: "d", Body: "d"})
	c.Handle(protocol.GetHistory{Ref: "h", ChatID: "c1", Limit: 10}) // after d, through the same chat
	waitFor(t, sock, `"ref":"h"`)
	if n := st.count(); n != 1 {
		t.Fatalf("%d appends in flight past maxSpecItems, want 1", n)
	}
	st.release(t)
	st.release(t) // d, submitted once c was durable
	if d := ackFrame(t, sock, "d"); field(d, "seq") != "4" {
		t.Fatalf("d: %s", d)
	}
	if seqs, ids := storedSeqs(t, st); fmt.Sprint(seqs, ids) != "[1 2 3 4] [a b c d]" {
		t.Fatalf("stored %v %v", seqs, ids)
	}
}
