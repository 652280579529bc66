//go:build !linux

package main

import "os"

// dataSync is fsync where fdatasync is not at hand.
func dataSync(f *os.File) error { return f.Sync() }
