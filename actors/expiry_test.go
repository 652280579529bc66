package actors

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/internal/testnode/poll"
)

// closeSocket records how it was closed and takes every frame.
type closeSocket struct {
	mu     sync.Mutex
	code   int
	reason string
}

func (s *closeSocket) Send([]byte) error       { return nil }
func (s *closeSocket) SendMany([][]byte) error { return nil }
func (s *closeSocket) Close(_ []byte, code int, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.code == 0 {
		s.code, s.reason = code, reason
	}
}

func (s *closeSocket) closed() (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.code, s.reason
}

// TestExpiriesCloseExactlyTheExpiredConnections: connections whose
// tokens expire (some already expired when they open, many at the same
// instant) are closed with 1008 "token expired" by the node's one expiry
// schedule; connections that closed first, and those whose tokens are
// still valid, are not; the schedule holds exactly the open connections
// with a token, and nothing once all have gone (a connection's entry is
// removed when it finishes).
func TestExpiriesCloseExactlyTheExpiredConnections(t *testing.T) {
	n, _ := newTestNode(t)
	now := time.Now()
	soon, later := now.Add(300*time.Millisecond), now.Add(time.Hour)
	type conn struct {
		c       *Conn
		s       *closeSocket
		expires bool
	}
	var conns []conn
	open := func(i int, at time.Time) {
		s := &closeSocket{}
		c := n.Connect(ConnInfo{ConnectionID: fmt.Sprint("k", i), UserID: fmt.Sprint("u", i%7), ExpiresAt: at}, s)
		conns = append(conns, conn{c: c, s: s, expires: !at.IsZero() && at.Before(later)})
	}
	for i := range 60 {
		switch i % 3 {
		case 0:
			open(i, soon) // twenty expire at the same instant
		case 1:
			open(i, later)
		default:
			open(i, now.Add(-time.Second+time.Duration(i)*10*time.Millisecond)) // already past
		}
	}
	open(60, time.Time{}) // no expiry: never scheduled
	poll.Until(t, 5*time.Second, "every connection with a token scheduled or expired", func() bool {
		closed := 0
		for _, c := range conns {
			if code, _ := c.s.closed(); code != 0 {
				closed++
			}
		}
		return n.expiries.len()+closed >= 60
	})
	// Three of the soon ones close before their token expires.
	for _, k := range []int{0, 3, 6} {
		conns[k].c.Closed("client closed")
	}
	poll.Until(t, 10*time.Second, "the expired connections closed", func() bool {
		for k, c := range conns {
			code, _ := c.s.closed()
			if c.expires && k != 0 && k != 3 && k != 6 && code == 0 {
				return false
			}
		}
		return true
	})
	for k, c := range conns {
		code, reason := c.s.closed()
		switch {
		case k == 0 || k == 3 || k == 6 || !c.expires:
			if code != 0 {
				t.Errorf("connection %d (expires %v) closed with %d %q", k, c.expires, code, reason)
			}
		case code != ClosePolicy || reason != "token expired":
			t.Errorf("connection %d closed with %d %q, want %d token expired", k, code, reason, ClosePolicy)
		}
	}
	for _, c := range conns {
		c.c.Closed("gone")
	}
	poll.Until(t, 5*time.Second, "the schedule empty", func() bool { return n.expiries.len() == 0 })
}
