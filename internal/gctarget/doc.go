// Package gctarget moves the Go collector's percent (GOGC) with the
// heap's turnover: low while the process allocates slowly over its live
// heap, so an idle node's heap and RSS stay close to what is live, and
// back up to the usual 100 as soon as it allocates fast, so the
// collector costs no more CPU under load than at a fixed 100.
//
// The model: a cycle marks the live heap (CPU ∝ live) and cycles come
// every live × p/100 bytes allocated, so at percent p the collector
// costs 100 × markCost × allocRate / p cores, while the heap may reach
// live × (1 + p/100) bytes. Pricing a core at BytesPerCore of heap, the
// sum is lowest at
//
//	p = 100 × √(markCost × allocRate × BytesPerCore / live)
//
// (Decide; markCost is measured from the runtime's own cycles). A node
// that holds 19,000 idle connections (33 MB live, well under 1 MB/s of
// pings) gets Min; chat load (tens of MB/s) gets Max. The percent rises
// on the first fast sample and falls only to what twice the peak rate of
// the last Window samples allows, so bursts do not make it flap.
//
// The runtime's scavenger returns the freed pages on its own within a
// few seconds of the first cycle at the lower percent; nothing here
// calls debug.FreeOSMemory (a forced full cycle whose extra release the
// heap takes back as soon as it grows to its goal again).
//
// Usage:
//
//	c, err := gctarget.New(gctarget.Config{}) // Min 25, Max 100, every second
//	if err != nil { ... }
//	go c.Run(ctx)       // samples runtime/metrics, calls debug.SetGCPercent on changes
//	c.Percent()         // the percent now, for a gauge
//
// Run owns debug.SetGCPercent while it runs: nothing else in the process
// should set it.
package gctarget
