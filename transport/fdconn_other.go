//go:build !linux

package transport

import "net"

// detachFD keeps Go's connection where the server has no epoll of its own
// (fdconn_linux.go).
func detachFD(tc *net.TCPConn) net.Conn { return tc }
