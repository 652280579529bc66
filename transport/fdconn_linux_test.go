//go:build linux

package transport

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fdPair returns a detached server side (fdConn) and its client over
// loopback TCP.
func fdPair(t *testing.T) (*fdConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	fc, ok := detachFD(sc.(*net.TCPConn)).(*fdConn)
	if !ok {
		t.Fatal("not detached")
	}
	t.Cleanup(func() { _ = fc.Close() })
	return fc, client
}

// TestFDConnReadsWaitsAndTimesOut: a read waits for data that is not
// there yet (a frame half arrived), returns it when it comes, fails with
// a timeout net.Error once its deadline passes, and reports io.EOF when
// the peer closes; the addresses are the socket's.
func TestFDConnReadsWaitsAndTimesOut(t *testing.T) {
	fc, client := fdPair(t)
	if fc.RemoteAddr().String() != client.LocalAddr().String() || fc.LocalAddr().String() != client.RemoteAddr().String() {
		t.Fatalf("addresses %v %v, client's %v %v", fc.LocalAddr(), fc.RemoteAddr(), client.LocalAddr(), client.RemoteAddr())
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = client.Write([]byte("late"))
	}()
	buf := make([]byte, 4)
	if _, err := io.ReadFull(fc, buf); err != nil || string(buf) != "late" {
		t.Fatalf("read %q %v", buf, err)
	}
	_ = fc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := fc.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	_ = fc.SetReadDeadline(time.Time{})
	_ = client.Close()
	if _, err := fc.Read(buf); err != io.EOF {
		t.Fatalf("read after the peer closed: %v, want EOF", err)
	}
}

// TestFDConnCloseWakesAWaitingRead: Close from another goroutine ends a
// read waiting for data, and later calls fail with net.ErrClosed.
func TestFDConnCloseWakesAWaitingRead(t *testing.T) {
	fc, _ := fdPair(t)
	got := make(chan error, 1)
	go func() {
		_, err := fc.Read(make([]byte, 1))
		got <- err
	}()
	time.Sleep(20 * time.Millisecond) // let it wait (either way it must return)
	if err := fc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("waiting read after Close: %v", err)
	}
	if _, err := fc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
}

// TestFDConnWriteWaitsForAReaderAndTimesOut: a write larger than the
// socket buffers waits while the peer does not read, fails with a timeout
// at its deadline, and completes when the peer reads; CloseWrite gives
// the peer EOF after the data.
func TestFDConnWriteWaitsForAReaderAndTimesOut(t *testing.T) {
	fc, client := fdPair(t)
	big := make([]byte, 16<<20)
	_ = fc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	n, err := fc.Write(big)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || n >= len(big) {
		t.Fatalf("write to a peer not reading: %d bytes, %v; want a timeout", n, err)
	}
	_ = fc.SetWriteDeadline(time.Time{})
	read := make(chan int64, 1)
	go func() {
		k, _ := io.Copy(io.Discard, client)
		read <- k
	}()
	m, err := fc.Write(big[:1<<20])
	if err != nil || m != 1<<20 {
		t.Fatalf("write to a reading peer: %d, %v", m, err)
	}
	if err := fc.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if k := <-read; k != int64(n+m) {
		t.Fatalf("peer read %d bytes, want %d", k, n+m)
	}
}

// fdOpen reports whether fd is an open descriptor of the process.
func fdOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// TestFDConnClosesTheDescriptorAfterTheLastCall: Close while a call
// uses the descriptor leaves it open for that call; no call starts after
// Close; the last call to end closes it. With no call running, Close
// closes it at once, and a second Close reports net.ErrClosed.
func TestFDConnClosesTheDescriptorAfterTheLastCall(t *testing.T) {
	fc, _ := fdPair(t)
	if !fc.acquire() || !fc.acquire() {
		t.Fatal("acquire refused on an open connection")
	}
	if err := fc.Close(); err != nil {
		t.Fatal(err)
	}
	if !fdOpen(fc.fd) {
		t.Fatal("Close closed the descriptor under two running calls")
	}
	if fc.acquire() {
		t.Fatal("a call started after Close")
	}
	fc.release()
	if !fdOpen(fc.fd) {
		t.Fatal("the descriptor closed with a call still running")
	}
	fc.release()
	if fdOpen(fc.fd) {
		t.Fatal("the last call's end left the descriptor open")
	}
	if err := fc.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close: %v, want net.ErrClosed", err)
	}

	idle, _ := fdPair(t)
	if err := idle.Close(); err != nil || fdOpen(idle.fd) {
		t.Fatalf("Close with no call running: %v, descriptor open %v", err, fdOpen(idle.fd))
	}
}

// TestFDConnCloseUnderConcurrentCalls: writes racing with Close each
// either run on the open descriptor or fail with net.ErrClosed, and the
// descriptor is closed once they are all done (run it with -race).
func TestFDConnCloseUnderConcurrentCalls(t *testing.T) {
	for range 20 {
		fc, client := fdPair(t)
		go func() { _, _ = io.Copy(io.Discard, client) }()
		var wg sync.WaitGroup
		started := make(chan struct{}, 4)
		for range 4 {
			wg.Go(func() {
				for i := range 200 {
					_, err := fc.Write([]byte("x"))
					if i == 0 {
						started <- struct{}{} // Close waits for every writer's first write
					}
					if err != nil {
						if !errors.Is(err, net.ErrClosed) {
							t.Errorf("write %d: %v", i, err)
						}
						return
					}
				}
			})
		}
		for range 4 {
			<-started
		}
		_ = fc.Close()
		wg.Wait()
		if u := fc.use.Load(); u != fdClosed || fdOpen(fc.fd) {
			t.Fatalf("after every call ended: use %x, descriptor open %v", u, fdOpen(fc.fd))
		}
	}
}
