//go:build unix

package rlimit

import "syscall"

// RaiseOpenFiles sets the soft RLIMIT_NOFILE to the hard one. It returns
// the error of the set call; an unreadable limit or one already at the
// hard limit is left as it is.
func RaiseOpenFiles() error {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil || lim.Cur >= lim.Max {
		return nil
	}
	lim.Cur = lim.Max
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}
