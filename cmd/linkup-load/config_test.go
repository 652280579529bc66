package main

import (
	"errors"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{Scenario: "fanout", URL: "ws://127.0.0.1:1/ws", Duration: time.Second, Conns: 10, Members: 20,
		Rate: 100, Chats: 2, ChatSize: 3, ClientRate: 1, BodyBytes: 64, Window: 100, PerWorker: 100, Dialers: 4, Drain: time.Second, SourceBase: 2}
}

func TestValidateRefusesBadSettings(t *testing.T) {
	cases := map[string]func(*Config){
		"scenario":    func(c *Config) { c.Scenario = "storm" },
		"no target":   func(c *Config) { c.URL = "" },
		"remote":      func(c *Config) { c.URL = "ws://10.0.0.1:80/ws" },
		"members":     func(c *Config) { c.Members = 1001 },
		"duration":    func(c *Config) { c.Duration = time.Hour },
		"per worker":  func(c *Config) { c.PerWorker = 20_000 },
		"profile":     func(c *Config) { c.Profile = "x.pprof" },
		"chat size":   func(c *Config) { c.ChatSize = 1 },
		"zero rate":   func(c *Config) { c.Rate = 0 },
		"both target": func(c *Config) { c.Spawn = "/bin/linkup" },
		"source base": func(c *Config) { c.SourceBase = 255 },
		"peer kind":   func(c *Config) { c.Target = "nats" },
		"peer churn":  func(c *Config) { c.Target, c.Scenario = "centrifugo", "churn" },
	}
	for name, mod := range cases {
		c := validConfig()
		mod(&c)
		if err := c.Validate(); !errors.Is(err, errBadConfig) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestPlansAndSplit(t *testing.T) {
	c := validConfig()
	f := plan(&c)
	if len(f) != 20 || f[0].MsgRate != 100 || len(f[0].Creates[0].Members) != 20 || f[1].MsgRate != 0 {
		t.Fatalf("fanout plan %+v", f[:2])
	}
	c.Scenario = "churn"
	c.Churn = 3
	ch := plan(&c)
	if len(ch) != 6 || ch[0].ChurnEvery != 2*time.Second || len(ch[3].Creates) != 1 {
		t.Fatalf("churn plan %+v", ch)
	}
	parts := split(ch, 4)
	if len(parts) != 2 || len(parts[0]) != 4 || len(parts[1]) != 2 {
		t.Fatalf("split %d parts", len(parts))
	}
}

// TestPeerPlanExpectsEverySender: a peer client tallies each sender of its
// chats (itself included: its own messages come back as acks and echoes).
func TestPeerPlanExpectsEverySender(t *testing.T) {
	c := validConfig()
	c.Target = targetCentrifugo
	f := plan(&c)
	if len(f[5].Expect) != 1 || f[5].Expect[0] != "fanout|fan-0" || len(f[0].Expect) != 1 {
		t.Fatalf("fanout expects %v, sender %v", f[5].Expect, f[0].Expect)
	}
	c.Scenario = "chats"
	ch := plan(&c)
	if len(ch) != 6 || len(ch[4].Expect) != 3 || ch[4].Expect[2] != "chats-1|chats-1-u2" {
		t.Fatalf("chats expects %v", ch[4].Expect)
	}
	c.Target = ""
	if plan(&c)[4].Expect != nil {
		t.Fatal("linkup clients tally per chat, not per sender")
	}
}
