//go:build !race

package transport

// readLock orders a connection's frame reads for the race detector (see
// wsConn.readMu). One-shot polling already lets one goroutine read at a
// time, so outside race builds it is empty: 8 bytes less per connection
// (issue #17).
type readLock struct{}

func (readLock) Lock()   {}
func (readLock) Unlock() {}
