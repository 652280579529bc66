package actors

import (
	"strings"
	"sync"
	"testing"

	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/protocol"
)

// kindSocket is a NonBlockingSocket and BulkSocket that records, per
// frame, whether it came through SendBulk.
type kindSocket struct {
	gatedSocket
	kmu  sync.Mutex
	bulk map[string]bool
}

func (*kindSocket) NeverBlocks() {}

func (s *kindSocket) Send(f []byte) error { return s.SendMany([][]byte{f}) }

func (s *kindSocket) SendMany(fs [][]byte) error { return s.record(fs, false) }

func (s *kindSocket) SendBulk(fs [][]byte) error { return s.record(fs, true) }

func (s *kindSocket) record(fs [][]byte, bulk bool) error {
	s.kmu.Lock()
	if s.bulk == nil {
		s.bulk = map[string]bool{}
	}
	for _, f := range fs {
		s.bulk[string(f)] = bulk
	}
	s.kmu.Unlock()
	return s.gatedSocket.SendMany(fs)
}

// kindOf reports whether the first frame holding part came as bulk.
func (s *kindSocket) kindOf(t *testing.T, part string) bool {
	t.Helper()
	waitFor(t, &s.gatedSocket, part)
	s.kmu.Lock()
	defer s.kmu.Unlock()
	for f, bulk := range s.bulk {
		if strings.Contains(f, part) {
			return bulk
		}
	}
	t.Fatalf("no frame with %s", part)
	return false
}

// TestFanOutIsBulkRepliesAreNot: a chat's fan-out reaches a socket that
// can tell through SendBulk (it may be written after other connections'
// replies), the sender's ack through SendMany (ahead of bulk rounds), on
// the direct path and through the lane.
func TestFanOutIsBulkRepliesAreNot(t *testing.T) {
	for _, lane := range []bool{false, true} {
		if lane {
			withLane(t)
		}
		st, err := embedded.Open(embedded.Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		n := mustNew(t, unlimitedConfig(st))
		open := make(chan struct{})
		close(open)
		sa, sb := &kindSocket{gatedSocket: gatedSocket{gate: open}}, &kindSocket{gatedSocket: gatedSocket{gate: open}}
		bob := n.Connect(ConnInfo{ConnectionID: "k-bob", UserID: "bob"}, sb)
		bob.Handle(protocol.Ping{Ref: "p"})
		alice := n.Connect(ConnInfo{ConnectionID: "k-alice", UserID: "alice"}, sa)
		alice.Handle(protocol.CreateChat{Ref: "c", ChatID: "c1", Title: "t", Members: []string{"bob"}})
		waitFor(t, &sb.gatedSocket, `"type":"chat_created"`)
		alice.Handle(protocol.SendMessage{Ref: "m1", ChatID: "c1", ClientMsgID: "1", Body: "one"})
		if !sb.kindOf(t, `"client_msg_id":"1"`) {
			t.Errorf("lane %v: bob's message came through SendMany, want SendBulk", lane)
		}
		if sa.kindOf(t, `"ref":"m1"`) {
			t.Errorf("lane %v: alice's ack came through SendBulk, want SendMany", lane)
		}
		st.Close()
	}
}
