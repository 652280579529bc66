package transport_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events/embedded"
	"github.com/linkup-chat/linkup/transport"
)

// A complete node in a few lines: an embedded event store, the actor
// system, and the WebSocket server; then a client says ping.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "linkup-example")
	defer os.RemoveAll(dir)
	store, _ := embedded.Open(embedded.Config{Dir: dir})
	defer store.Close()
	node, _ := actors.New(context.Background(), actors.Config{Store: store, Encoder: transport.JSONEncoder{}, Name: "example"})
	secret := []byte("example-secret")
	srv, _ := transport.New(transport.Config{Node: node, Secret: secret})
	web := httptest.NewServer(srv.Handler())
	defer web.Close()

	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(secret)
	c, err := client.Dial(context.Background(), "ws"+strings.TrimPrefix(web.URL, "http")+"/ws", client.Options{Token: tok})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	_ = c.Send(map[string]any{"type": "ping", "ref": "1"})
	f, _ := c.Expect(5*time.Second, client.Is("pong"))
	fmt.Println(f.Type, f.Ref())
	// Output: pong 1
}
