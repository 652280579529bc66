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
//     traffic, and validates the answers of /v1 (analyst and admin tokens),
//     /healthz, /readyz, /metrics and a refused /ws against openapi.yaml.
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
