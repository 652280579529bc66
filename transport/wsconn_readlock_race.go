//go:build race

package transport

import "sync"

// readLock is a mutex under the race detector, which cannot see the
// ordering epoll's one-shot polling gives a connection's reads.
type readLock struct{ sync.Mutex }
