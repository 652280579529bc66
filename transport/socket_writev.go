package transport

import "syscall"

// maxIovecs keeps one writev under the kernel's IOV_MAX (1024).
const maxIovecs = 1024

// writeFrames writes frames as unmasked text frames with non-blocking
// writev calls and returns, framed, whatever the kernel did not take (nil
// when all of it went). It never waits for the socket to become writable.
func writeFrames(raw syscall.RawConn, frames [][]byte) ([]byte, error) {
	if rest, ok, err := writeFramesFD(raw, frames); ok { // a few frames to an fdConn
		return rest, err
	}
	for len(frames) > 0 {
		n := min(len(frames), maxIovecs/2)
		iovs, total := iovecs(frames[:n])
		written, err := writev(raw, iovs)
		if err != nil {
			return nil, err
		}
		if written < total {
			return leftover(iovs, written, frames[n:]), nil
		}
		frames = frames[n:]
	}
	return nil, nil
}

// iovecs pairs each frame with its header.
func iovecs(frames [][]byte) ([][]byte, int) {
	iovs := make([][]byte, 0, 2*len(frames))
	total := 0
	for _, f := range frames {
		h := textHeader(len(f))
		iovs = append(iovs, h, f)
		total += len(h) + len(f)
	}
	return iovs, total
}

// textHeader is the header of a final, unmasked text frame of n bytes.
func textHeader(n int) []byte { return appendTextHeader(nil, n) }

// appendTextHeader appends textHeader(n) to b.
func appendTextHeader(b []byte, n int) []byte {
	switch {
	case n < 126:
		return append(b, 0x81, byte(n))
	case n < 1<<16:
		return append(b, 0x81, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x81, 127)
		for i := 7; i >= 0; i-- {
			b = append(b, byte(n>>(8*i)))
		}
		return b
	}
}

// leftover frames the bytes after the first skip bytes of iovs, then the
// frames not yet tried.
func leftover(iovs [][]byte, skip int, untried [][]byte) []byte {
	var out []byte
	for _, b := range iovs {
		if skip >= len(b) {
			skip -= len(b)
			continue
		}
		out = append(out, b[skip:]...)
		skip = 0
	}
	for _, f := range untried {
		out = append(out, textHeader(len(f))...)
		out = append(out, f...)
	}
	return out
}
