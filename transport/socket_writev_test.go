package transport

import (
	"bytes"
	"testing"

	"github.com/gobwas/ws"
)

func TestTextHeaderParsesBack(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536, 1 << 20} {
		h, err := ws.ReadHeader(bytes.NewReader(textHeader(n)))
		if err != nil || h.Length != int64(n) || h.OpCode != ws.OpText || !h.Fin || h.Masked {
			t.Fatalf("n=%d: %+v %v", n, h, err)
		}
	}
}

// leftover must frame exactly the bytes a partial writev did not take, so
// the stream stays a valid sequence of frames.
func TestLeftoverResumesMidFrame(t *testing.T) {
	frames := [][]byte{[]byte("hello"), bytes.Repeat([]byte("x"), 300), []byte("bye")}
	iovs, total := iovecs(frames[:2])
	whole := leftover(iovs, 0, frames[2:])
	for skip := 0; skip <= total; skip++ {
		got := leftover(iovs, skip, frames[2:])
		if !bytes.Equal(got, whole[skip:]) {
			t.Fatalf("skip %d: leftover differs from the unwritten tail", skip)
		}
	}
	r := bytes.NewReader(whole)
	for i, f := range frames {
		h, err := ws.ReadHeader(r)
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, h.Length)
		_, _ = r.Read(p)
		if !bytes.Equal(p, f) {
			t.Fatalf("frame %d: %q", i, p)
		}
	}
}
