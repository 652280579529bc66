//go:build linux

package transport

import (
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPoller starts an epoller whose ready function is read (it must
// re-arm or end c), and closes it at the end of the test.
func testPoller(t *testing.T, read func(p *epoller, c *wsConn)) *epoller {
	t.Helper()
	var p *epoller
	pl, err := newPoller(func(c *wsConn) { read(p, c) })
	if err != nil {
		t.Fatal(err)
	}
	p = pl.(*epoller)
	t.Cleanup(p.close)
	return p
}

// pollConn registers a detached loopback connection with p and returns it
// with its client side.
func pollConn(t *testing.T, p *epoller) (*wsConn, io.Writer) {
	t.Helper()
	fc, client := fdPair(t)
	c := &wsConn{sock: &socket{conn: fc}}
	if err := p.add(c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.remove(c) })
	return c, client
}

// onLeader reports whether the calling goroutine is the one that
// returned from epoll_wait (its stack runs through the leader's loop).
func onLeader() bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, ".(*epoller).lead") {
			return true
		}
		if !more {
			return false
		}
	}
}

// TestOneReadyConnectionIsReadByTheLeader: a connection found readable
// alone is read on the goroutine that returned from epoll_wait, not
// handed to a reader (one goroutine wake-up less per frame, issue #17).
func TestOneReadyConnectionIsReadByTheLeader(t *testing.T) {
	got := make(chan bool)
	p := testPoller(t, func(p *epoller, c *wsConn) {
		b := make([]byte, 1)
		if _, err := c.conn().Read(b); err != nil {
			t.Error(err)
		}
		_ = p.rearm(c)
		got <- onLeader()
	})
	_, client := pollConn(t, p)
	leader := 0
	for range 50 {
		if _, err := client.Write([]byte{1}); err != nil {
			t.Fatal(err)
		}
		if <-got {
			leader++
		}
	}
	// A late watchdog may hand a read over now and then (a noisy machine
	// can stall the leader past leadFor); most reads are the leader's.
	if leader < 40 {
		t.Fatalf("%d of 50 frames read on the leader (own %d, handed %d, promoted %d)",
			leader, p.stats.own.Load(), p.stats.handed.Load(), p.stats.promoted.Load())
	}
}

// TestManyReadyConnectionsAreAllReadInOrder: connections that become
// readable together are all read, each by one goroutine at a time and in
// the order its bytes were sent.
func TestManyReadyConnectionsAreAllReadInOrder(t *testing.T) {
	const conns, frames = 40, 25
	type state struct {
		busy sync.Mutex // TryLock fails if another goroutine reads; orders reads for -race
		next byte
		done chan struct{}
	}
	states := map[*wsConn]*state{}
	var mu sync.Mutex
	p := testPoller(t, func(p *epoller, c *wsConn) {
		mu.Lock()
		s := states[c]
		mu.Unlock()
		if !s.busy.TryLock() {
			t.Error("two goroutines read one connection at once")
			return
		}
		b := make([]byte, 1)
		if _, err := c.conn().Read(b); err != nil {
			t.Error(err)
		}
		if b[0] != s.next {
			t.Errorf("read frame %d, want %d", b[0], s.next)
		}
		s.next++
		n := s.next
		s.busy.Unlock()
		if n == frames {
			close(s.done)
			return
		}
		_ = p.rearm(c)
	})
	var clients []io.Writer
	var all []*state
	for range conns {
		c, client := pollConn(t, p)
		s := &state{done: make(chan struct{})}
		mu.Lock()
		states[c] = s
		mu.Unlock()
		clients, all = append(clients, client), append(all, s)
	}
	msg := make([]byte, frames)
	for i := range msg {
		msg[i] = byte(i)
	}
	for _, cl := range clients { // every connection has all its frames waiting
		if _, err := cl.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range all {
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("connection %d: not all %d frames read", i, frames)
		}
	}
}

// readFrameBytes reads the two bytes a test connection sends as its
// "frame", waiting up to a minute for a half-sent one; false (the error
// reported) when the read fails.
func readFrameBytes(t *testing.T, c *wsConn) bool {
	b := make([]byte, 2)
	_ = c.conn().SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := io.ReadFull(c.conn(), b); err != nil {
		t.Error(err)
		return false
	}
	return true
}

// TestPartialFrameDoesNotBlockOthers: the leader reading a frame that
// arrived half waits for the rest (in fdConn's waiter) on its own: the
// role passes on and another connection is read meanwhile.
func TestPartialFrameDoesNotBlockOthers(t *testing.T) {
	readA, readB := make(chan struct{}), make(chan struct{})
	var a *wsConn
	p := testPoller(t, func(p *epoller, c *wsConn) {
		if !readFrameBytes(t, c) {
			return
		}
		if c == a {
			close(readA)
		} else {
			close(readB)
		}
	})
	var clientA io.Writer
	a, clientA = pollConn(t, p)
	_, clientB := pollConn(t, p)
	if _, err := clientA.Write([]byte{1}); err != nil { // half of a's frame
		t.Fatal(err)
	}
	for p.stats.own.Load()+p.stats.handed.Load() == 0 { // a is being read
		runtime.Gosched()
	}
	if _, err := clientB.Write([]byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-readB:
	case <-time.After(10 * time.Second):
		t.Fatal("a connection with a whole frame waited behind one with half a frame")
	}
	if _, err := clientA.Write([]byte{2}); err != nil {
		t.Fatal(err)
	}
	<-readA
}

// TestReadyTogetherWithAPartialFrame: connections found ready in the same
// wait as one whose frame arrived half are all read while that one waits
// for the rest: the watchdog hands those the leader has not read yet to
// readers.
func TestReadyTogetherWithAPartialFrame(t *testing.T) {
	const whole = 20
	var partial *wsConn
	read, readPartial := make(chan struct{}, whole), make(chan struct{})
	p := testPoller(t, func(p *epoller, c *wsConn) {
		if !readFrameBytes(t, c) {
			return
		}
		if c == partial {
			close(readPartial)
		} else {
			read <- struct{}{}
		}
	})
	var clientP io.Writer
	partial, clientP = pollConn(t, p)
	var clients []io.Writer
	for range whole {
		_, cl := pollConn(t, p)
		clients = append(clients, cl)
	}
	if _, err := clientP.Write([]byte{1}); err != nil { // half a frame, first in line
		t.Fatal(err)
	}
	for _, cl := range clients {
		if _, err := cl.Write([]byte{1, 2}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range whole {
		select {
		case <-read:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d whole frames read while a half frame waits", i, whole)
		}
	}
	if _, err := clientP.Write([]byte{2}); err != nil {
		t.Fatal(err)
	}
	<-readPartial
}
