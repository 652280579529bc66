package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/linkup-chat/linkup/client"
)

// Dial a node (here one started with `go run ./cmd/linkup serve` and a token
// from `linkup token --user alice`), send a message and wait for its ack.
func ExampleDial() {
	ctx := context.Background()
	c, err := client.Dial(ctx, "ws://127.0.0.1:8080/ws", client.Options{Token: "<token>", Via: client.ViaSubprotocol})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer c.Close()
	_ = c.Send(map[string]any{"type": "send_message", "ref": "r1", "chat_id": "general", "client_msg_id": "m-1", "body": "hello"})
	ack, err := c.Expect(5*time.Second, client.Is("ack", "r1"))
	if err != nil {
		fmt.Println("no ack:", err)
		return
	}
	fmt.Println("stored as seq", ack.Num("seq"))
}
