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
