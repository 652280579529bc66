// Package gctarget moves the Go collector's percent (GOGC) with the
// allocation rate: low while the process allocates slowly, so an idle
// node's heap and RSS stay close to its live heap, and back up to the
// usual 100 as soon as it allocates fast, so the collector costs no more
// CPU under load than at a fixed 100.
//
// The model: a cycle marks the live heap (CPU ∝ live), and cycles come
// every live × percent/100 bytes allocated, so the collector's CPU is
//
//	100 × markCost × allocRate / percent
//
// whatever the live heap (markCost: CPU-seconds per live byte marked).
// Decide picks the lowest percent whose CPU exceeds that of Max by at
// most Budget of one core; while a node only answers pings that is Min,
// under chat load it is Max. Raising happens on the first fast second,
// lowering only when twice the peak rate of the last Window seconds
// still allows it (hysteresis: no flapping on bursts).
//
// Usage:
//
//	c, err := gctarget.New(gctarget.Config{}) // Min 25, Max 100, 1 s
//	if err != nil { ... }
//	go c.Run(ctx)       // samples runtime/metrics, calls debug.SetGCPercent on changes
//	c.Percent()         // the target now, for a gauge
//
// Run owns debug.SetGCPercent while it runs: nothing else in the process
// should set it.
package gctarget
