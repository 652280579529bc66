//go:build !linux

package transport

import (
	"net"
	"syscall"
)

// detachFD keeps Go's connection where the server has no epoll of its own
// (fdconn_linux.go).
func detachFD(tc *net.TCPConn) net.Conn { return tc }

// writeFramesFD has no fdConn to write to here: writeFrames takes the
// general road.
func writeFramesFD(syscall.RawConn, [][]byte) ([]byte, bool, error) { return nil, false, nil }

// write1FD has no fdConn to write to here: write1 takes the general road.
func write1FD(syscall.RawConn, []byte) (int, bool, error) { return 0, false, nil }
