//go:build !unix

package main

import "time"

// processCPU is not measured here: CPU per commit reads 0.
func processCPU() time.Duration { return 0 }
