package transport

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/gobwas/ws"
)

// countingReader is a connection that counts the reads asked of it.
type countingReader struct {
	r     *bytes.Reader
	calls int
}

func (c *countingReader) Read(p []byte) (int, error) { c.calls++; return c.r.Read(p) }

// maskedFrames is n masked client text frames, each payload of size bytes.
func maskedFrames(t *testing.T, n, size int) ([]byte, []string) {
	t.Helper()
	var b bytes.Buffer
	var want []string
	for i := range n {
		p := fmt.Sprintf("%0*d", size, i)
		if err := ws.WriteFrame(&b, ws.MaskFrame(ws.NewTextFrame([]byte(p)))); err != nil {
			t.Fatal(err)
		}
		want = append(want, p)
	}
	return b.Bytes(), want
}

// readAll reads frames from b as readReady does: while bytes are
// buffered, one frame after another, each to its end.
func readAll(t *testing.T, b *readBuf) []string {
	t.Helper()
	var got []string
	for {
		h, err := ws.ReadHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(b, p); err != nil {
			t.Fatal(err)
		}
		ws.Cipher(p, h.Mask, 0)
		got = append(got, string(p))
		if !b.buffered() {
			return got
		}
	}
}

// TestReadBufTakesManyFramesInOneRead: small frames that fit in the
// buffer cost one read for all of them (three each before: header,
// mask, payload).
func TestReadBufTakesManyFramesInOneRead(t *testing.T) {
	stream, want := maskedFrames(t, 40, 60) // 40 × 66 B < 4 KB
	conn := &countingReader{r: bytes.NewReader(stream)}
	got := readReadiness(t, conn)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("frames %v, want %v", got, want)
	}
	if conn.calls != 1 {
		t.Fatalf("%d reads for 40 frames, want 1", conn.calls)
	}
}

// TestReadBufNeverReadsPastTheFrameBegun: a frame cut by the buffer's end
// is completed with exactly the bytes it misses, so the frames after it
// stay in the connection for the next readiness (nothing is left in a
// buffer that is given back).
func TestReadBufNeverReadsPastTheFrameBegun(t *testing.T) {
	small, want := maskedFrames(t, 3, 10)
	big, wantBig := maskedFrames(t, 1, 3*readBufSize) // larger than the buffer
	after, wantAfter := maskedFrames(t, 2, 10)
	stream := append(append(append([]byte(nil), small...), big...), after...)
	conn := &countingReader{r: bytes.NewReader(stream)}
	got := readReadiness(t, conn)
	if fmt.Sprint(got) != fmt.Sprint(append(want, wantBig...)) {
		t.Fatalf("first readiness read %d frames, want the 3 small ones and the big one", len(got))
	}
	if left := conn.r.Len(); left != len(after) {
		t.Fatalf("%d bytes left in the connection, want the %d of the frames after the big one", left, len(after))
	}
	if got := readReadiness(t, conn); fmt.Sprint(got) != fmt.Sprint(wantAfter) {
		t.Fatalf("next readiness read %v, want %v", got, wantAfter)
	}
}

// readReadiness reads what one readiness of conn reads: one fill of a
// pooled buffer, then every frame it begins.
func readReadiness(t *testing.T, conn *countingReader) []string {
	t.Helper()
	b := getReadBuf(conn)
	defer b.put()
	if err := b.fill(); err != nil {
		t.Fatal(err)
	}
	return readAll(t, b)
}
