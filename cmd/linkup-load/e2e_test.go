package main

import (
	"context"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/internal/testnode"
)

// TestFanoutAgainstTestNode runs the fanout scenario for about a second
// against an in-process node: every delivery arrives exactly once.
func TestFanoutAgainstTestNode(t *testing.T) {
	n := testnode.Start(t, testnode.Options{Actors: actors.Config{Limits: actors.Limits{MessagesPerSecond: 1e5, FramesPerSecond: 1e5, TypingPerSecond: 1e5}}})
	cfg := validConfig()
	cfg.URL, cfg.Secret, cfg.InProcess = n.URL, string(testnode.Secret), true
	cfg.Members, cfg.Rate, cfg.Window, cfg.Drain = 20, 200, 1000, 10*time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	sum, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := sum.Result
	if r.Connected != 20 || r.Acked == 0 || r.Expected != r.Acked*19 {
		t.Fatalf("connected %d acked %d expected %d", r.Connected, r.Acked, r.Expected)
	}
	if r.Missing != 0 || r.Duplicated != 0 || r.Delivered != r.Expected {
		t.Fatalf("missing %d duplicated %d delivered %d of %d (errors %v)", r.Missing, r.Duplicated, r.Delivered, r.Expected, r.Errors)
	}
	if sum.Latency["delivery"].Count != r.Delivered {
		t.Fatalf("delivery latency count %d, delivered %d", sum.Latency["delivery"].Count, r.Delivered)
	}
}

// TestMixedSendsDeliveryReceiptsAgainstTestNode runs the mixed scenario
// briefly against an in-process node: receivers confirm what they got
// with delivery_receipt (each acknowledged by the server, no errors), at
// most one per chat per second, the server stores them coalesced, and the
// run reports the log's growth per delivered message.
func TestMixedSendsDeliveryReceiptsAgainstTestNode(t *testing.T) {
	n, cfg, sum := runMixed(t)
	r, clients := sum.Result, uint64(cfg.Chats*cfg.ChatSize)
	if r.Missing != 0 || r.Duplicated != 0 || len(r.Errors) != 0 {
		t.Fatalf("missing %d duplicated %d errors %v %q", r.Missing, r.Duplicated, r.Errors, r.Samples)
	}
	// One chat per client: at most one receipt a second each, the first at once.
	maxReceipts := clients * uint64(sum.TrafficSeconds+2)
	if r.DelivReceipts == 0 || r.DelivReceipts > maxReceipts {
		t.Fatalf("%d delivery receipts sent, want 1..%d", r.DelivReceipts, maxReceipts)
	}
	if got := testnode.Metric(t, n.Reg, "linkup_delivery_receipts_total", "", ""); got != float64(r.DelivReceipts) {
		t.Fatalf("server acknowledged %v receipts, the clients sent %d", got, r.DelivReceipts)
	}
	g := sum.LogGrowth
	if g == nil || g.ChatEvents["MessagesDelivered"] == 0 || g.ChatEvents["MessagesDelivered"] > float64(r.DelivReceipts) ||
		g.Deliveries == 0 || g.AppendedPerDelivery <= 0 {
		t.Fatalf("log growth %+v (receipts %d)", g, r.DelivReceipts)
	}
}

// TestMixedReadReceiptsMoveReadPointers runs the mixed scenario briefly
// against an in-process node: the clients' read_receipts name messages of
// other members that they have not read yet, so the server stores
// ChatRead events and the other members get read frames.
func TestMixedReadReceiptsMoveReadPointers(t *testing.T) {
	n, _, sum := runMixed(t)
	r := sum.Result
	if len(r.Errors) != 0 {
		t.Fatalf("errors %v %q", r.Errors, r.Samples)
	}
	reads := testnode.Metric(t, n.Reg, "linkup_chat_events_total", "type", "ChatRead")
	if r.Receipts == 0 || reads == 0 || r.ReadRecv == 0 {
		t.Fatalf("%d read receipts sent, %v ChatRead stored, %d read frames received", r.Receipts, reads, r.ReadRecv)
	}
	if reads > float64(r.Receipts) {
		t.Fatalf("%v ChatRead stored for %d receipts", reads, r.Receipts)
	}
}

// runMixed runs the mixed scenario for 2.5 s (4 chats of 3) against an
// in-process node without rate limits.
func runMixed(t *testing.T) (*testnode.Node, *Config, *Summary) {
	t.Helper()
	n := testnode.Start(t, testnode.Options{Actors: actors.Config{Limits: actors.Limits{MessagesPerSecond: 1e5, FramesPerSecond: 1e5, TypingPerSecond: 1e5}}})
	cfg := validConfig()
	cfg.Scenario = "mixed"
	cfg.URL, cfg.Secret, cfg.InProcess = n.URL, string(testnode.Secret), true
	cfg.Chats, cfg.ChatSize, cfg.ClientRate, cfg.Duration, cfg.Drain = 4, 3, 5, 2500*time.Millisecond, 10*time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	sum, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n, &cfg, sum
}
