package transport_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/events"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/transport"
)

const wait = 5 * time.Second

var refs atomic.Int64

// call sends msg with a fresh ref and returns the direct reply to it.
func call(t *testing.T, c *client.Client, msg map[string]any) client.Frame {
	t.Helper()
	ref := fmt.Sprintf("r%d", refs.Add(1))
	msg["ref"] = ref
	if err := c.Send(msg); err != nil {
		t.Fatalf("send %v: %v", msg["type"], err)
	}
	f, err := c.Expect(wait, func(f client.Frame) bool { return f.Ref() == ref })
	if err != nil {
		t.Fatalf("no reply to %v: %v", msg["type"], err)
	}
	return f
}

// expectAlive proves the connection is still open and answering.
func expectAlive(t *testing.T, c *client.Client) {
	t.Helper()
	testnode.MustType(t, call(t, c, map[string]any{"type": "ping"}), "pong")
}

func createChat(t *testing.T, c *client.Client, id string, members ...string) {
	t.Helper()
	f := testnode.MustType(t, call(t, c, map[string]any{"type": "create_chat", "chat_id": id, "title": "t " + id, "members": members}), "ack")
	if f.Str("chat_id") != id {
		t.Fatalf("ack chat_id %q want %q", f.Str("chat_id"), id)
	}
}

func sendMsg(t *testing.T, c *client.Client, chat, cmid, body string) client.Frame {
	t.Helper()
	return testnode.MustType(t, call(t, c, map[string]any{"type": "send_message", "chat_id": chat, "client_msg_id": cmid, "body": body}), "ack")
}

// storedEvents returns the events of type typ in store, waiting up to wait
// for at least min of them (fire-and-forget events land asynchronously).
func storedEvents(t *testing.T, st events.Store, typ string, min int) []events.RecordedEvent {
	t.Helper()
	var out []events.RecordedEvent
	poll.Within(wait, func() bool {
		out = out[:0]
		for rec, err := range st.ReadAll(context.Background(), events.ReadAllOptions{Filter: events.Filter{EventTypes: []string{typ}}}) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, rec)
		}
		return len(out) >= min
	})
	return out
}

// issueShort signs a token for user that expires after ttl.
func issueShort(user string, ttl time.Duration) (string, error) {
	return transport.IssueToken(testnode.Secret, user, nil, ttl)
}
