package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linkup-chat/linkup/internal/testnode"
)

// TestURLListValidates: --url takes a comma-separated list; every entry
// must be a loopback ws:// URL.
func TestURLListValidates(t *testing.T) {
	c := validConfig()
	c.URL = "ws://127.0.0.1:1/ws, ws://localhost:2/ws,"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.urls(); len(got) != 2 || got[1] != "ws://localhost:2/ws" {
		t.Fatalf("urls %q", got)
	}
	for _, bad := range []string{"ws://127.0.0.1:1/ws,ws://10.0.0.1:2/ws", "ws://127.0.0.1:1/ws,http://127.0.0.1:2/", " , "} {
		c.URL = bad
		if err := c.Validate(); !errors.Is(err, errBadConfig) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

// TestSpreadRoundRobin: client i dials urls[i mod n]; one URL leaves the
// clients on Job.URL.
func TestSpreadRoundRobin(t *testing.T) {
	c := validConfig()
	clients := plan(&c)
	spread(clients, []string{"a", "b", "c"})
	for i, s := range clients {
		if want := []string{"a", "b", "c"}[i%3]; s.URL != want {
			t.Fatalf("client %d dials %q, want %q", i, s.URL, want)
		}
	}
	one := plan(&c)
	spread(one, []string{"a"})
	if one[0].URL != "" {
		t.Fatalf("one URL: client dials %q", one[0].URL)
	}
}

// TestIdleSpreadsOverTwoServers runs idle against two in-process nodes
// named in one --url: each holds half of the connections.
func TestIdleSpreadsOverTwoServers(t *testing.T) {
	a, b := testnode.Start(t, testnode.Options{}), testnode.Start(t, testnode.Options{})
	cfg := validConfig()
	cfg.Scenario, cfg.Conns, cfg.Duration = "idle", 10, 30*time.Second
	cfg.URL, cfg.Secret, cfg.InProcess = a.URL+","+b.URL, string(testnode.Secret), true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := run(ctx, cfg); done <- err }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		na := testnode.Metric(t, a.Reg, "linkup_connections", "", "")
		nb := testnode.Metric(t, b.Reg, "linkup_connections", "", "")
		if na == 5 && nb == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections: %v on the first server, %v on the second, want 5 and 5", na, nb)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
}
