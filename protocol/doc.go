// Package protocol is linkup's wire in one place (docs/PROTOCOL.md, v1.1;
// docs/asyncapi.yaml): every client command and server frame as a plain
// struct with json tags, the error codes, the limits on what a client may
// send, Decode for client frames and Encode for server frames. The server
// (actors and transport), the Go client and the load tool share it, so
// nothing of the wire is declared twice. The /v1 query API's parameters
// and answers (docs/openapi.yaml) are in query.go: the read models return
// them and transport encodes them.
//
// Decode never panics: any bytes become a Command, or a BadFrame and a
// coded *Error (invalid_json, invalid_payload, unknown_type) that the
// server sends back with the client's ref. Encode writes a frame as a JSON
// object with "type" first.
//
// It imports only the standard library.
package protocol
