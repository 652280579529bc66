package transport

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// smallWrite is how many frames a direct write to an fdConn frames on the
// stack: an ack, an error, a few deliveries.
const smallWrite = 8

// maxTextHeader is the longest text frame header (64-bit length).
const maxTextHeader = 10

// writeFramesFD is writeFrames for a socket on an fdConn, up to smallWrite
// frames: the frame headers and the iovecs live on the stack and writev
// is called on the descriptor itself. writeFrames through the RawConn
// allocated four times per call (the iovec slice, each header, the
// callback and what it captured), and each ack and in-place delivery is
// one call. ok is false when raw is not an fdConn or there are more
// frames: the caller takes the general road.
func writeFramesFD(raw syscall.RawConn, frames [][]byte) (rest []byte, ok bool, err error) {
	r, isFD := raw.(*fdRaw)
	if !isFD || len(frames) > smallWrite || len(frames) == 0 {
		return nil, false, nil
	}
	f := (*fdConn)(r)
	if !f.acquire() {
		return nil, true, net.ErrClosed
	}
	defer f.release()
	var hdrs [smallWrite][maxTextHeader]byte
	var vecs [2 * smallWrite]unix.Iovec
	total := 0
	for i, fr := range frames {
		h := appendTextHeader(hdrs[i][:0], len(fr))
		vecs[2*i].Base = &hdrs[i][0]
		vecs[2*i].SetLen(len(h))
		if len(fr) > 0 {
			vecs[2*i+1].Base = &fr[0]
		}
		vecs[2*i+1].SetLen(len(fr))
		total += len(h) + len(fr)
	}
	n, err := writevFD(f.fd, vecs[:2*len(frames)])
	if err != nil {
		return nil, true, err
	}
	if n < total {
		return leftoverVecs(vecs[:2*len(frames)], n), true, nil
	}
	return nil, true, nil
}

// writevFD makes one non-blocking writev of vecs on fd (again if a signal
// interrupts it); a full socket writes 0 bytes.
func writevFD(fd int, vecs []unix.Iovec) (int, error) {
	for {
		n, _, errno := unix.Syscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&vecs[0])), uintptr(len(vecs)))
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, nil
		}
		return 0, errno
	}
}

// leftoverVecs copies the bytes of vecs after the first skip: a partial
// write's rest, framed already.
func leftoverVecs(vecs []unix.Iovec, skip int) []byte {
	var out []byte
	for _, v := range vecs {
		n := int(v.Len)
		if skip >= n {
			skip -= n
			continue
		}
		out = append(out, unsafe.Slice(v.Base, n)[skip:]...)
		skip = 0
	}
	return out
}

// write1FD is write1 for an fdConn: one non-blocking write on the
// descriptor itself, without the RawConn callback and what it captures
// (three allocations a pool writer's round). ok is false when raw is not
// an fdConn.
func write1FD(raw syscall.RawConn, b []byte) (n int, ok bool, err error) {
	r, isFD := raw.(*fdRaw)
	if !isFD || len(b) == 0 {
		return 0, false, nil
	}
	f := (*fdConn)(r)
	if !f.acquire() {
		return 0, true, net.ErrClosed
	}
	defer f.release()
	for {
		w, _, errno := unix.Syscall(unix.SYS_WRITE, uintptr(f.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		switch errno {
		case 0:
			return int(w), true, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, true, nil
		}
		return 0, true, errno
	}
}
