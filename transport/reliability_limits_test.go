package transport_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/client"
	"github.com/linkup-chat/linkup/internal/testnode"
	"github.com/linkup-chat/linkup/internal/testnode/poll"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/transport"
	"github.com/prometheus/client_golang/prometheus"
)

// limitMetric returns the value of the series of name whose labels include
// label=value (any series when label is empty), 0 when absent.
func limitMetric(t *testing.T, g prometheus.Gatherer, name, label, value string) float64 {
	t.Helper()
	return testnode.Metric(t, g, name, label, value)
}

// Every limit is refused with its documented answer, the connection stays
// (except for an oversized frame, covered by TestOversizedFrameClosesWith1009),
// and the refusal is counted in a metric.
func TestLimitsAreEnforcedAndCounted(t *testing.T) {
	n := testnode.Start(t, testnode.Options{
		Transport: transport.Config{MaxConnsPerUser: 2},
		Actors:    actors.Config{Limits: actors.Limits{MessagesPerSecond: 5, TypingPerSecond: 2, FramesPerSecond: 1000}},
	})
	alice := n.Dial(t, "alice")
	createChat(t, alice, "c1", "bob")
	t.Run("message body size", func(t *testing.T) {
		before := limitMetric(t, n.Reg, "linkup_errors_total", "code", "invalid_payload")
		testnode.ExpectError(t, call(t, alice, map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": "big", "body": strings.Repeat("x", protocol.MaxBodyBytes+1)}), "invalid_payload")
		if limitMetric(t, n.Reg, "linkup_errors_total", "code", "invalid_payload") <= before {
			t.Fatal("oversized body not counted in linkup_errors_total{code=invalid_payload}")
		}
	})
	t.Run("members per chat", func(t *testing.T) {
		members := make([]string, protocol.MaxMembers)
		for i := range members {
			members[i] = fmt.Sprintf("u%d", i)
		}
		testnode.ExpectError(t, call(t, alice, map[string]any{"type": "create_chat", "chat_id": "huge", "members": members}), "invalid_payload")
	})
	t.Run("chats per request", func(t *testing.T) {
		receipts := make([]map[string]any, protocol.MaxBulkReceipts+1)
		for i := range receipts {
			receipts[i] = map[string]any{"chat_id": "c1", "seq": 1}
		}
		testnode.ExpectError(t, call(t, alice, map[string]any{"type": "bulk_read_receipt", "receipts": receipts}), "invalid_payload")
		positions := map[string]int{}
		for i := range protocol.MaxSyncChats + 1 {
			positions[fmt.Sprint("c", i)] = 0
		}
		testnode.ExpectError(t, call(t, alice, map[string]any{"type": "sync_request", "positions": positions}), "invalid_payload")
	})
	t.Run("messages per second", func(t *testing.T) {
		limitedWithin(t, n, alice, 50, func(i int) map[string]any {
			return map[string]any{"type": "send_message", "chat_id": "c1", "client_msg_id": fmt.Sprint("r", i), "body": "x"}
		})
	})
	t.Run("typing per second", func(t *testing.T) {
		c := n.Dial(t, "alice") // a fresh connection: fresh buckets
		limitedWithin(t, n, c, 50, func(int) map[string]any {
			return map[string]any{"type": "typing", "chat_id": "c1", "is_typing": true}
		})
	})
	t.Run("connections per user", func(t *testing.T) {
		poll.Until(t, 5*time.Second, "the typing subtest's connection closed", func() bool {
			return limitMetric(t, n.Reg, "linkup_connections", "", "") <= 1
		})
		n.Dial(t, "alice") // the second: allowed
		before := limitMetric(t, n.Reg, "linkup_handshake_failures_total", "status", "Too Many Requests")
		third, err := client.Dial(context.Background(), n.URL, client.Options{Token: testnode.Token(t, "alice")})
		if err == nil {
			_ = third.Close()
		}
		if he, ok := err.(*client.HandshakeError); !ok || he.Status != 429 {
			t.Fatalf("third connection of alice with MaxConnsPerUser 2: %v, want HTTP 429", err)
		}
		if limitMetric(t, n.Reg, "linkup_handshake_failures_total", "status", "Too Many Requests") <= before {
			t.Fatal("refused connection not counted in linkup_handshake_failures_total{status=\"Too Many Requests\"}")
		}
	})
	expectAlive(t, alice)
}

// limitedWithin sends up to max frames as fast as possible; one must get
// rate_limited, counted in linkup_errors_total{code=rate_limited}.
func limitedWithin(t *testing.T, n *testnode.Node, c *client.Client, max int, msg func(int) map[string]any) {
	t.Helper()
	before := limitMetric(t, n.Reg, "linkup_errors_total", "code", "rate_limited")
	for i := range max {
		m := msg(i)
		m["ref"] = fmt.Sprint("lim", i)
		if err := c.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Expect(wait, func(f client.Frame) bool { return f.Type == "error" && f.Str("code") == "rate_limited" }); err != nil {
		t.Fatalf("%d frames at once never got rate_limited: %v", max, err)
	}
	if limitMetric(t, n.Reg, "linkup_errors_total", "code", "rate_limited") <= before {
		t.Fatal("rate_limited not counted in linkup_errors_total{code=rate_limited}")
	}
	expectAlive(t, c)
}

// A history page is at most MaxHistoryLimit messages whatever the limit
// asked for (or the request is refused).
func TestHistoryPageIsBounded(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Actors: actors.Config{Limits: actors.Limits{MessagesPerSecond: 1e6, FramesPerSecond: 1e6}}})
	alice := n.Dial(t, "alice")
	createChat(t, alice, "c1")
	const total = protocol.MaxHistoryLimit + 20
	for i := range total {
		if err := alice.Send(map[string]any{"type": "send_message", "ref": fmt.Sprint("h", i), "chat_id": "c1", "client_msg_id": fmt.Sprint(i), "body": "m"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := alice.Expect(wait, client.Is("ack", fmt.Sprint("h", total-1))); err != nil {
		t.Fatal(err)
	}
	f := call(t, alice, map[string]any{"type": "get_history", "chat_id": "c1", "limit": 100000})
	if f.Type == "error" {
		testnode.ExpectError(t, f, "invalid_payload")
		return
	}
	var h struct{ Messages []struct{ Seq int } }
	_ = testnode.MustType(t, f, "history").Decode(&h)
	if len(h.Messages) != protocol.MaxHistoryLimit || h.Messages[len(h.Messages)-1].Seq != total {
		t.Fatalf("history with limit 100000 gave %d messages, want the newest %d", len(h.Messages), protocol.MaxHistoryLimit)
	}
}
