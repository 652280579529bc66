// Package contract holds the test that keeps linkup's published contract
// honest: docs/asyncapi.yaml (every WebSocket frame) and docs/openapi.yaml
// (the HTTP API) are checked against what a real node actually sends.
//
// The package has no code of its own outside its tests. The WebSocket test
// starts a node (internal/testnode: embedded store, actors, transport on a
// loopback port), drives real WebSocket clients through every v1 command
// and every error a client can provoke, captures every frame the server
// sends and validates each one against the JSON Schema for its `type`; it
// also validates every well-formed frame the clients send, and checks that
// the deliberately bad ones are rejected by the client schemas too. A server
// frame type without a schema fails the test. The HTTP test builds and runs
// `linkup serve`, makes some traffic, and validates the /v1 answers (analyst
// and admin tokens) against the response schemas of docs/openapi.yaml.
//
//	go test ./internal/contract -count=1 -v
//
// The schemas are compiled with github.com/santhosh-tekuri/jsonschema/v6
// (draft 2020-12, formats asserted) from the YAML parsed by
// go.yaml.in/yaml/v3.
package contract
