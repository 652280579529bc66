//go:build linux

package transport

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/gobwas/ws"
)

// TestDirectWriteAllocatesNothing: writing a reply (one frame, or a few)
// straight to an idle fdConn socket frames it on the stack; it used to
// allocate four times a call.
func TestDirectWriteAllocatesNothing(t *testing.T) {
	fc, _ := fdPair(t)
	raw, _ := fc.SyscallConn()
	one := [][]byte{[]byte(`{"type":"ack","ref":"r","chat_id":"c","seq":1}`)}
	three := [][]byte{one[0], []byte(`{"type":"message"}`), bytes.Repeat([]byte("x"), 300)}
	for _, frames := range [][][]byte{one, three} {
		allocs := testing.AllocsPerRun(100, func() {
			if rest, err := writeFrames(raw, frames); rest != nil || err != nil {
				t.Fatalf("rest %d bytes, err %v", len(rest), err)
			}
		})
		if allocs != 0 {
			t.Fatalf("%d frames: %v allocations per write", len(frames), allocs)
		}
	}
}

// TestDirectWriteKeepsFramesWhole: frames of every header size written
// straight to an fdConn until the kernel takes no more; what a write did
// not take comes back framed, and the peer reads the frames whole, in
// order, written then left over.
func TestDirectWriteKeepsFramesWhole(t *testing.T) {
	fc, client := fdPair(t)
	raw, _ := fc.SyscallConn()
	var sent [][]byte
	var left []byte
	for i := 0; left == nil && i < 10_000; i++ {
		frames := [][]byte{{}, []byte("hello"), bytes.Repeat([]byte{'a' + byte(i%26)}, 125), bytes.Repeat([]byte("y"), 126), bytes.Repeat([]byte("z"), 70_000)}
		rest, err := writeFrames(raw, frames)
		if err != nil {
			t.Fatal(err)
		}
		sent, left = append(sent, frames...), rest
	}
	if left == nil {
		t.Fatal("the kernel took everything: no partial write to check")
	}
	done := make(chan error, 1)
	go func() {
		r := bufio.NewReader(client)
		for i, want := range sent {
			h, err := ws.ReadHeader(r)
			if err != nil {
				done <- err
				return
			}
			p := make([]byte, h.Length)
			if _, err := io.ReadFull(r, p); err != nil {
				done <- err
				return
			}
			if h.OpCode != ws.OpText || !h.Fin || !bytes.Equal(p, want) {
				done <- fmt.Errorf("frame %d of %d: %d bytes, want %d", i, len(sent), len(p), len(want))
				_ = client.Close() // the write below fails instead of waiting
				return
			}
		}
		done <- nil
	}()
	for len(left) > 0 { // the rest, as the socket's flush writes it
		n, err := fc.Write(left)
		if err != nil {
			break // the reader stopped: its error says why
		}
		left = left[n:]
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPoolWriteAllocatesNothing: a pool writer's round to an fdConn is one
// write on the descriptor; it used to allocate three times.
func TestPoolWriteAllocatesNothing(t *testing.T) {
	fc, client := fdPair(t)
	raw, _ := fc.SyscallConn()
	buf := []byte("\x81\x05hello")
	allocs := testing.AllocsPerRun(100, func() {
		if n, err := write1(raw, buf); n != len(buf) || err != nil {
			t.Fatalf("wrote %d, err %v", n, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per write", allocs)
	}
	got := make([]byte, len(buf))
	if _, err := io.ReadFull(client, got); err != nil || !bytes.Equal(got, buf) {
		t.Fatalf("read %q, %v", got, err)
	}
}
