//go:build !linux

package transport

import "errors"

// newPoller has no readiness API to offer off Linux: connections fall back
// to one reading goroutine each.
func newPoller(func(*wsConn)) (poller, error) {
	return nil, errors.New("transport: no netpoll on this platform")
}
