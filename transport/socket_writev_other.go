//go:build !unix

package transport

import "syscall"

// writev has no non-blocking vectored write here: it takes nothing, so
// every frame goes to the connection's flush goroutine, which writes
// through net.Conn. Correct everywhere, one system call per frame.
func writev(syscall.RawConn, [][]byte) (int, error) { return 0, nil }

// write1 takes nothing here: pool rounds go to the flush goroutine.
func write1(syscall.RawConn, []byte) (int, error) { return 0, nil }
