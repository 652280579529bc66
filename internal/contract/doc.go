// Package contract holds the tests that keep linkup's published contract
// honest: docs/PROTOCOL.md, docs/asyncapi.yaml (every WebSocket frame as
// JSON Schema) and docs/openapi.yaml (the HTTP API) are checked against what
// a real node actually does. The package has no code outside its tests.
//
//   - TestWebSocketFramesMatchAsyncAPI starts a node (internal/testnode:
//     embedded store, actors, transport on a loopback port), drives real
//     WebSocket clients through every v1 command and every error a client
//     can provoke, and validates every frame the server sends against the
//     schema for its `type` (and each ack against the schema of the command
//     it answers). A server frame type without a schema fails the test.
//     Every well-formed frame the clients send is validated too, and the
//     deliberately bad ones must be refused by the client schemas as well.
//   - TestUnavailableMatchesAsyncAPI does the same with a failing store.
//   - TestServerFollowsProtocolOrKnownGap probes the rules the happy path
//     cannot see; knownGaps lists where the server differs from
//     PROTOCOL.md, and the test fails when the list is wrong either way.
//   - TestHTTPAnswersMatchOpenAPI builds and runs `linkup serve`, makes
//     traffic (a chat, messages, an edit, read and delivery receipts,
//     client errors), and validates the answers of every /v1 endpoint
//     (analyst and admin tokens; /v1/timeline and /v1/timeline/chain with
//     each filter, paged, and refused), /healthz, /readyz, /metrics and a
//     refused /ws against openapi.yaml. It fails for an operation of
//     openapi.yaml that no case calls.
//   - TestServedRoutesAreDocumented fails for a route package transport
//     registers that openapi.yaml does not document; with the check
//     above, every served route is called and its answer validated.
//   - TestProtocolQueryTypesMatchSchemas encodes protocol's /v1 answer
//     types (protocol/query.go), filled in and empty, and the timeline
//     objects replay's JSONL format writes, and validates them.
//   - TestDocsAreValidAsyncAPIAndOpenAPI checks both documents against the
//     official schemas of their formats (testdata/).
//   - TestExamplesMatchSchemas checks every example in the three documents.
//
// Run them with
//
//	go test ./internal/contract -count=1 -v
//
// The schemas are compiled with github.com/santhosh-tekuri/jsonschema/v6
// (AsyncAPI payloads with draft-07 semantics, OpenAPI with 2020-12, formats
// asserted) from YAML parsed by go.yaml.in/yaml/v3.
package contract
