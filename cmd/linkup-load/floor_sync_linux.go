package main

import (
	"os"
	"syscall"
)

// dataSync is fdatasync(2), what SQLite calls for a WAL commit on Linux.
func dataSync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
