package transport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/linkup-chat/linkup/actors"
)

// tcpPair is a loopback TCP connection: the server's end, wrapped in a
// socket written by pool, and the client's end.
func tcpPair(t *testing.T, pool *writerPool, timeout time.Duration, onAbort func(string)) (*socket, net.Conn) {
	t.Helper()
	server, client := loopbackPair(t)
	srv := server.(*net.TCPConn)
	_ = srv.SetWriteBuffer(8 << 10)
	if onAbort == nil {
		onAbort = func(string) {}
	}
	return newSocket(srv, &socketConfig{pool: pool, max: 1 << 20, timeout: timeout}, abortFunc(onAbort)), client
}

// abortFunc is a socketOwner that hands a failed write's reason to a
// test and ignores the close frame's.
type abortFunc func(reason string)

func (f abortFunc) writeFailed(reason string) { f(reason) }
func (abortFunc) closeSent()                  {}

// TestPoolWritesFramesInOrderThenCloses: frames sent in batches from two
// chats' worth of senders reach the client in the order each Send
// accepted them, a pong goes ahead of queued data, and Close writes its
// final frame, the close frame and ends the write side.
func TestPoolWritesFramesInOrderThenCloses(t *testing.T) {
	pool := newWriterPool(1)
	defer pool.stop()
	s, client := tcpPair(t, pool, 10*time.Second, nil)
	const n = 20_000
	go func() {
		for i := 0; i < n; {
			batch := [][]byte{}
			for k := 0; k < 1+i%7 && i < n; k++ {
				batch = append(batch, []byte(fmt.Sprintf(`{"n":%d,"pad":%q}`, i, bytes.Repeat([]byte("x"), i%300))))
				i++
			}
			if err := s.SendMany(batch); err != nil {
				t.Error(err)
				return
			}
		}
		s.Close([]byte(`{"final":true}`), 1000, "bye")
	}()
	br := bufio.NewReader(client)
	for i := 0; i < n; i++ {
		f, err := ws.ReadFrame(br)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		want := fmt.Sprintf(`{"n":%d,"pad":%q}`, i, bytes.Repeat([]byte("x"), i%300))
		if f.Header.OpCode != ws.OpText || !f.Header.Fin || f.Header.Masked || string(f.Payload) != want {
			t.Fatalf("frame %d: %+v %q", i, f.Header, f.Payload)
		}
	}
	final, err := ws.ReadFrame(br)
	if err != nil || string(final.Payload) != `{"final":true}` {
		t.Fatalf("final frame %q %v", final.Payload, err)
	}
	cl, err := ws.ReadFrame(br)
	if err != nil || cl.Header.OpCode != ws.OpClose {
		t.Fatalf("close frame %+v %v", cl.Header, err)
	}
	if code, reason := ws.ParseCloseFrameData(cl.Payload); code != 1000 || reason != "bye" {
		t.Fatalf("close %d %q", code, reason)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the close frame: %v, want EOF (write side closed)", err)
	}
}

// TestPoolNeverWaitsForASlowClient: a client that stops reading fills its
// kernel buffers; its socket leaves the pool for a flush goroutine, so the
// pool's only writer keeps serving another client, and the stalled one is
// aborted when its blocking write passes the write timeout.
func TestPoolNeverWaitsForASlowClient(t *testing.T) {
	pool := newWriterPool(1)
	defer pool.stop()
	aborted := make(chan string, 1)
	stalled, _ := tcpPair(t, pool, 2*time.Second, func(r string) { aborted <- r })
	big := bytes.Repeat([]byte("y"), 60<<10)
	for range 100 { // ~6 MB, far past any loopback buffer
		if err := stalled.Send(big); err != nil {
			t.Fatal(err)
		}
	}
	live, client := tcpPair(t, pool, 10*time.Second, nil)
	for i := range 100 {
		if err := live.Send([]byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
		p, err := wsutil.ReadServerText(client)
		if err != nil || string(p) != fmt.Sprint(i) {
			t.Fatalf("live client, frame %d: %q %v", i, p, err)
		}
	}
	if len(aborted) > 0 {
		t.Fatal("the live client was served only after the stalled one timed out")
	}
	select {
	case r := <-aborted:
		if r != "write failed" {
			t.Fatalf("aborted for %q", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the stalled socket was never aborted")
	}
	if err := stalled.Send([]byte("x")); !errors.Is(err, actors.ErrSocketClosed) {
		t.Fatalf("send after abort: %v", err)
	}
}

// TestPoolServesRepliesFirst: sockets with a reply queued (SendMany) are
// written before sockets that became ready earlier with a fan-out's
// frames (SendBulk), so an ack does not wait behind a 1,000-member
// fan-out; the bulk sockets keep their order. The pool's writers are not
// started: the test takes the sockets as a writer would, and its sockets
// leave replies to the pool (queueReplies) rather than writing an idle
// socket's reply themselves.
func TestPoolServesRepliesFirst(t *testing.T) {
	p := &writerPool{}
	p.cond = sync.NewCond(&p.mu)
	raw := func() *socket {
		return newSocket(fakeConn{}, &socketConfig{pool: p, queueReplies: true, max: 16}, abortFunc(func(string) {}))
	}
	bulk1, bulk2, reply := raw(), raw(), raw()
	for _, s := range []*socket{bulk1, bulk2} {
		if err := s.SendBulk([][]byte{[]byte("item")}); err != nil {
			t.Fatal(err)
		}
	}
	if err := reply.SendMany([][]byte{[]byte("ack")}); err != nil {
		t.Fatal(err)
	}
	if err := bulk2.SendMany([][]byte{[]byte("ack")}); err != nil { // already ready: stays where it is
		t.Fatal(err)
	}
	for i, want := range []*socket{reply, bulk1, bulk2} {
		if got := p.next(); got != want {
			t.Fatalf("round %d: got socket %p, want %p", i, got, want)
		}
	}
	if !bulk2.is(urgent) {
		t.Fatal("a reply queued behind a bulk round does not make the next round a reply's")
	}
}

// fakeConn is a connection with a descriptor the test never writes
// through.
type fakeConn struct{ net.Conn }

func (fakeConn) SyscallConn() (syscall.RawConn, error) { return fakeRaw{}, nil }

// fakeRaw is a RawConn the test never writes through.
type fakeRaw struct{}

func (fakeRaw) Control(func(uintptr)) error    { return nil }
func (fakeRaw) Read(func(uintptr) bool) error  { return nil }
func (fakeRaw) Write(func(uintptr) bool) error { return nil }

// TestTrimGivesBackAnIdleOutbox: a socket whose queued frames are all
// written gives its outbox back on trim (an idle connection that was
// pinged holds no queue), writes later frames as before, and keeps its
// outbox, and the reason it closed for, once closing.
func TestTrimGivesBackAnIdleOutbox(t *testing.T) {
	pool := newWriterPool(1)
	defer pool.stop()
	s, client := tcpPair(t, pool, 10*time.Second, nil)
	s.control(ws.OpPing, nil)
	if err := s.SendBulk([][]byte{[]byte("one")}); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(client)
	expectFrame(t, r, ws.OpPing, "")
	expectFrame(t, r, ws.OpText, "one")
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.trim()
		s.mu.Lock()
		out := s.out
		s.mu.Unlock()
		if out == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("trim kept the outbox of a socket with nothing to write")
		}
		time.Sleep(time.Millisecond) // the writer's round is ending
	}
	if err := s.SendBulk([][]byte{[]byte("two")}); err != nil {
		t.Fatal(err)
	}
	expectFrame(t, r, ws.OpText, "two")
	s.Close(nil, 1000, "bye")
	s.trim()
	if got := s.closedBy(); got != "bye" {
		t.Fatalf("closed by %q after trim, want \"bye\"", got)
	}
	expectFrame(t, r, ws.OpClose, "")
}

func expectFrame(t *testing.T, r io.Reader, op ws.OpCode, payload string) {
	t.Helper()
	f, err := ws.ReadFrame(r)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.OpCode != op || (op != ws.OpClose && string(f.Payload) != payload) {
		t.Fatalf("frame %v %q, want %v %q", f.Header.OpCode, f.Payload, op, payload)
	}
}
