// Package protoconflict lets the EventStoreDB client and protoactor-go's
// cluster live in one binary: both register a protobuf file named
// "gossip.proto" (different packages, different message names), and the
// protobuf runtime panics at start-up on the second registration of a
// file path unless GOLANG_PROTOBUF_REGISTRATION_CONFLICT says otherwise.
//
// Its init sets that variable to "ignore" (unless it is already set) before
// any protobuf file registers: it imports only os, so by Go's package
// initialisation order (the first package in import-path order whose
// imports are initialised goes next) it initialises before
// google.golang.org/protobuf's registry, which every registration needs.
// A path conflict is then skipped; types are still registered by their
// full names, which do not clash (TestBothGossipProtosRegistered in
// cmd/linkup holds it). Import it blank from main.
package protoconflict

import "os"

// envConflict is the protobuf runtime's variable.
const envConflict = "GOLANG_PROTOBUF_REGISTRATION_CONFLICT"

func init() {
	if os.Getenv(envConflict) == "" {
		_ = os.Setenv(envConflict, "ignore")
	}
}
