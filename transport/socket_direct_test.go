package transport

import (
	"bufio"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// idlePool is a writer pool whose writers are not started: a round
// scheduled on it is never written.
func idlePool() *writerPool {
	p := &writerPool{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// TestIdleSocketWritesRepliesItself: a reply sent to an idle socket is
// written by the sender, with no pool round (the pool's writers never
// run here); a fan-out's frames still go to the pool.
func TestIdleSocketWritesRepliesItself(t *testing.T) {
	p := idlePool()
	s, client := tcpPair(t, p, 10*time.Second, nil)
	if err := s.SendMany([][]byte{[]byte(`{"type":"ack"}`), []byte(`{"type":"message"}`)}); err != nil {
		t.Fatal(err)
	}
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	for _, want := range []string{`{"type":"ack"}`, `{"type":"message"}`} {
		got, err := wsutil.ReadServerText(client)
		if err != nil || string(got) != want {
			t.Fatalf("got %q %v, want %q written by the sender", got, err, want)
		}
	}
	if err := s.SendBulk([][]byte{[]byte(`{"type":"fanout"}`)}); err != nil {
		t.Fatal(err)
	}
	if got := p.next(); got != s {
		t.Fatalf("the fan-out frame's round went to %p, not to the pool", got)
	}
}

// TestDirectAndQueuedFramesKeepOrder: senders mixing replies (written
// directly when the socket is idle) and fan-out frames (pool rounds) at
// once on one socket: every sender's frames reach the client in the
// order it sent them, and all of them arrive.
func TestDirectAndQueuedFramesKeepOrder(t *testing.T) {
	pool := newWriterPool(2)
	defer pool.stop()
	s, client := tcpPair(t, pool, 10*time.Second, nil)
	const senders, per = 4, 3000
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				frame := [][]byte{[]byte(fmt.Sprintf("%d %d %s", g, i, strings.Repeat("p", (i*7)%200)))}
				send := s.SendMany
				if (i/3+g)%2 == 0 {
					send = s.SendBulk
				}
				for {
					err := send(frame)
					if err == nil {
						break
					}
					time.Sleep(time.Millisecond) // queue full: the client is behind
				}
			}
		}()
	}
	next := make([]int, senders)
	br := bufio.NewReader(client)
	_ = client.SetReadDeadline(time.Now().Add(60 * time.Second))
	for range senders * per {
		f, err := ws.ReadFrame(br)
		if err != nil {
			t.Fatal(err)
		}
		var g, i int
		if _, err := fmt.Sscanf(string(f.Payload), "%d %d", &g, &i); err != nil || g < 0 || g >= senders {
			t.Fatalf("frame %q: %v", f.Payload, err)
		}
		if i != next[g] {
			t.Fatalf("sender %d: frame %d arrived, want %d", g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
}
