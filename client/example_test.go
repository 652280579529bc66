package client_test

import (
	"context"
	"fmt"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/protocol"
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
	_ = c.SendCommand(protocol.SendMessage{Ref: "r1", ChatID: "general", ClientMsgID: "m-1", Body: "hello"})
	f, err := c.Expect(5*time.Second, func(f client.Frame) bool { return f.Ref() == "r1" })
	if err != nil {
		fmt.Println("no answer:", err)
		return
	}
	if e := f.Err(); e != nil {
		fmt.Println("refused:", e.Code, e.Message)
		return
	}
	var ack protocol.AckSendMessage
	_ = f.Decode(&ack)
	fmt.Println("stored as seq", ack.Seq)
}
