package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCentrifugoMessagesAreAccounted feeds one client the lines of a
// Centrifugo frame as the server writes them: the reply to its publish is
// its ack, a publication from another sender is a delivery (twice: a
// duplicate), its own publication coming back is an echo, a ping is
// answered, an unknown reply is an error.
func TestCentrifugoMessagesAreAccounted(t *testing.T) {
	job := &Job{Target: targetCentrifugo, BodyBytes: 20}
	var c counters
	lc := newLoadClient(ClientSpec{User: "u1", Chats: []string{"room"}, Expect: []string{"room|u0", "room|u1"}}, job, &c)
	pub := lc.nextPublish(nil) // id 1, room|u1 number 1
	if string(pub[:len(`{"id":1,"publish":{"channel":"room","data":{"lu":"room|u1","n":1,"t":`)]) !=
		`{"id":1,"publish":{"channel":"room","data":{"lu":"room|u1","n":1,"t":` {
		t.Fatalf("publish command %s", pub)
	}
	lc.outstanding.Add(1)
	other := `{"push":{"channel":"room","pub":{"data":{"lu":"room|u0","n":1,"t":1,"b":"1xxxxxxxxxxxxxxxxxxx"},"info":{"user":"u0","client":"c0"}}}}`
	own := `{"push":{"channel":"room","pub":{"data":{"lu":"room|u1","n":1,"t":1,"b":"1xxxxxxxxxxxxxxxxxxx"},"info":{"user":"u1","client":"c1"}}}}`
	frame := `{"id":1,"publish":{}}` + "\n" + other + "\n" + own + "\n" + other + "\n" + `{"id":99,"publish":{}}`
	for line, rest := nextLine([]byte(frame)); len(line) > 0 || len(rest) > 0; line, rest = nextLine(rest) {
		lc.onCentrifugo(line)
	}
	var r Result
	c.fill(&r)
	if r.Acked != 1 || r.Delivered != 2 || r.Duplicated != 1 || r.Echoed != 1 || r.Errors["client_unexpected_centrifugo_reply"] != 1 {
		t.Fatalf("acked %d delivered %d duplicated %d echoed %d errors %v", r.Acked, r.Delivered, r.Duplicated, r.Echoed, r.Errors)
	}
	lc.account(map[string]uint64{"room|u0": 2, "room|u1": 1}, &r)
	if r.Expected != 2 || r.Missing != 1 { // u0's message 2 never came; u1's own is not expected
		t.Fatalf("expected %d missing %d", r.Expected, r.Missing)
	}
	if lc.outstanding.Load() != 0 || c.ackLat.Count() != 1 || c.delLat.Count() != 2 {
		t.Fatalf("outstanding %d, ack latencies %d, delivery latencies %d", lc.outstanding.Load(), c.ackLat.Count(), c.delLat.Count())
	}
}

// TestPeerReconnectStartsANewStream: after a reconnect a sender numbers
// its messages in a new stream, so its unanswered publishes are not
// counted missing; a receiver that saw nothing of a stream misses all of
// it, and its own streams are never expected of it.
func TestPeerReconnectStartsANewStream(t *testing.T) {
	job := &Job{Target: targetCentrifugo, BodyBytes: 20}
	var c counters
	lc := newLoadClient(ClientSpec{User: "u1", Chats: []string{"room"}, Expect: []string{"room|u0", "room|u1"}}, job, &c)
	lc.gen = 2
	if pub := string(lc.nextPublish(nil)); !strings.Contains(pub, `"lu":"room|u1~2","n":1,`) {
		t.Fatalf("publish after reconnects %s", pub)
	}
	own := `{"push":{"channel":"room","pub":{"data":{"lu":"room|u1~2","n":1,"t":1,"b":"x"}}}}`
	lc.onCentrifugo([]byte(own))
	var r Result
	lc.account(map[string]uint64{"room|u0": 0, "room|u1~2": 1, "room|u0~1": 3, "other|u0~1": 5}, &r)
	if r.Expected != 3 || r.Missing != 3 || c.echoed.Load() != 1 {
		t.Fatalf("expected %d missing %d echoed %d", r.Expected, r.Missing, c.echoed.Load())
	}
}

// centrifugoBin returns the Centrifugo binary named by LINKUP_CENTRIFUGO,
// or skips the test.
func centrifugoBin(t *testing.T) string {
	bin := os.Getenv("LINKUP_CENTRIFUGO")
	if bin == "" {
		t.Skip("LINKUP_CENTRIFUGO is not set, so there is no Centrifugo to run against " +
			"(GOBIN=/tmp/peers go install github.com/centrifugal/centrifugo/v6@v6.9.1; LINKUP_CENTRIFUGO=/tmp/peers/centrifugo)")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("LINKUP_CENTRIFUGO: %v", err)
	}
	return bin
}

// TestFanoutAndChatsAgainstCentrifugo runs a tiny fanout and a tiny chats
// load against a spawned Centrifugo v6 (memory engine): every publish is
// answered, every publication arrives exactly once at every other
// subscriber, and each sender gets its own back once.
func TestFanoutAndChatsAgainstCentrifugo(t *testing.T) {
	bin := centrifugoBin(t)
	for _, sc := range []struct {
		scenario  string
		receivers uint64 // per message
	}{{"fanout", 19}, {"chats", 2}} {
		cfg := validConfig()
		cfg.Scenario, cfg.Target, cfg.URL, cfg.Spawn, cfg.InProcess = sc.scenario, targetCentrifugo, "", bin, true
		cfg.Members, cfg.Rate, cfg.Chats, cfg.ChatSize, cfg.ClientRate = 20, 200, 4, 3, 20
		cfg.Window, cfg.Drain = 1000, 10*time.Second
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		sum, err := run(context.Background(), cfg)
		if err != nil {
			t.Fatalf("%s: %v", sc.scenario, err)
		}
		r := sum.Result
		if r.Connected != r.Clients || r.Alive != r.Clients || r.Acked == 0 || r.Acked != r.Sent || r.Expected != r.Acked*sc.receivers {
			t.Fatalf("%s: clients %d connected %d alive %d sent %d acked %d expected %d (errors %v %q)",
				sc.scenario, r.Clients, r.Connected, r.Alive, r.Sent, r.Acked, r.Expected, r.Errors, r.Samples)
		}
		if r.Missing != 0 || r.Duplicated != 0 || r.Delivered != r.Expected || r.Echoed != r.Acked {
			t.Fatalf("%s: missing %d duplicated %d delivered %d of %d echoed %d (errors %v)",
				sc.scenario, r.Missing, r.Duplicated, r.Delivered, r.Expected, r.Echoed, r.Errors)
		}
		if sum.Latency["delivery"].Count != r.Delivered || sum.Latency["ack"].Count != r.Acked || sum.After.RSS == 0 {
			t.Fatalf("%s: latencies %+v, server RSS %d", sc.scenario, sum.Latency, sum.After.RSS)
		}
		t.Logf("%s: %d sent, %d delivered, ack p50 %.2f ms, delivery p99 %.2f ms", sc.scenario, r.Sent, r.Delivered,
			sum.Latency["ack"].P50, sum.Latency["delivery"].P99)
	}
}
