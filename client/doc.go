// Package client is a small Go client for linkup's WebSocket protocol
// (PROTOCOL.md): dial with a token, send commands (package protocol's
// types, or any JSON), read server frames.
// The tests, the load tool and Go programs that talk to linkup use it.
//
//	c, err := client.Dial(ctx, "ws://127.0.0.1:8080/ws", client.Options{Token: tok})
//	if err != nil { ... }
//	defer c.Close()
//	_ = c.SendCommand(protocol.Ping{Ref: "1"})
//	f, err := c.Next(5 * time.Second) // f.Type == "pong", f.Ref() == "1"
package client
