// Package reliability holds the crash, fault, slow-client and shutdown tests
// of linkup: each runs a real node (in process through internal/testnode,
// with its store wrapped by events/faultstore) and real WebSocket clients
// over loopback, and checks what PROTOCOL.md promises while things go wrong.
// The package has no non-test API beyond this comment; the process-level
// kill -9 and secrets tests live in cmd/linkup (reliability_*_test.go)
// because they re-exec the test binary as `linkup serve`.
//
//	go test ./internal/reliability/                  # the default, bounded run
//	LINKUP_SOAK=1 go test ./internal/reliability/    # longer variants
//
// docs/RELIABILITY.md lists every guarantee with the test that proves it.
package reliability
