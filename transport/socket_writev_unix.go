//go:build unix

package transport

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// writev makes one non-blocking writev; a full socket writes 0 bytes.
func writev(raw syscall.RawConn, iovs [][]byte) (int, error) {
	var n int
	var werr error
	err := raw.Write(func(fd uintptr) bool {
		n, werr = unix.Writev(int(fd), iovs)
		return true
	})
	if errors.Is(werr, unix.EAGAIN) {
		return 0, nil
	}
	if err == nil {
		err = werr
	}
	return max(n, 0), err
}

// write1 makes one non-blocking write; a full socket writes 0 bytes.
func write1(raw syscall.RawConn, b []byte) (int, error) {
	if n, ok, err := write1FD(raw, b); ok { // an fdConn
		return n, err
	}
	var n int
	var werr error
	err := raw.Write(func(fd uintptr) bool {
		for {
			n, werr = unix.Write(int(fd), b)
			if werr != unix.EINTR {
				return true
			}
		}
	})
	if errors.Is(werr, unix.EAGAIN) {
		return 0, nil
	}
	if err == nil {
		err = werr
	}
	return max(n, 0), err
}
