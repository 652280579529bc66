package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is one run. Zero values mean the defaults in main.go's flags.
type Config struct {
	Scenario string
	// Target is the server kind: "linkup" (the default) or "centrifugo"
	// (peer mode: the same clients speak Centrifugo's JSON protocol).
	Target string
	// URL is ws://127.0.0.1:PORT/ws, or several such URLs separated by
	// commas (nodes of one cluster sharing a log): clients are spread over
	// them round-robin. Empty with Spawn.
	URL        string
	ServerPID  int
	Spawn      string   // path to a linkup (or, with Target centrifugo, centrifugo) binary to start on a fresh dir
	ServerArgs []string // extra `serve` flags for Spawn
	Data       string   // data dir whose jwt.secret signs tokens
	Secret     string   `json:"-"`
	Duration   time.Duration
	Conns      int     // idle
	Members    int     // fanout
	Rate       float64 // fanout: messages/s from the one sender
	Chats      int     // chats, churn, mixed
	ChatSize   int
	ClientRate float64 // chats, churn, mixed: messages/s per client
	Churn      float64 // churn, soak: reconnects/s over all clients
	// SampleEvery is the soak series' sampling period (soak only).
	SampleEvery time.Duration
	BodyBytes   int
	Window      int
	PerWorker   int
	Dialers     int
	// SourceBase is the last octet of worker 0's source address 127.0.0.N
	// (worker k uses N+k), so concurrent runs can keep their ports apart.
	SourceBase int
	Drain      time.Duration
	Profile    string // save a server CPU profile of the traffic phase here (needs Spawn)
	InProcess  bool   // run workers as goroutines (tests)
}

// Targets a run can load: linkup itself and the peers it is compared with.
const (
	targetLinkup     = "linkup"
	targetCentrifugo = "centrifugo"
)

// peerScenarios are the scenarios peer targets run (no sync, typing or
// receipts in their protocol, so no churn, mixed or soak).
var peerScenarios = map[string]bool{"idle": true, "fanout": true, "chats": true}

var scenarios = map[string]bool{"idle": true, "fanout": true, "chats": true, "churn": true, "mixed": true, "soak": true}

// Validate checks every bound; the error wraps errBadConfig.
func (c *Config) Validate() error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: %s", errBadConfig, fmt.Sprintf(f, a...)) }
	switch {
	case !scenarios[c.Scenario]:
		return bad("unknown scenario %q (idle, fanout, chats, churn, mixed, soak)", c.Scenario)
	case c.Scenario == "soak" && (c.Duration <= 0 || c.Duration > maxSoak):
		return bad("soak --duration %v outside (0, %v]", c.Duration, maxSoak)
	case c.Scenario == "soak" && (c.SampleEvery < 100*time.Millisecond || c.Duration/c.SampleEvery > maxSamples):
		return bad("soak --sample-every %v: need ≥100ms and at most %d samples over --duration", c.SampleEvery, maxSamples)
	case c.Target != "" && c.Target != targetLinkup && c.Target != targetCentrifugo:
		return bad("unknown --target %q (linkup, centrifugo)", c.Target)
	case c.peer() && !peerScenarios[c.Scenario]:
		return bad("--target %s runs idle, fanout and chats only, not %s", c.Target, c.Scenario)
	case (len(c.urls()) == 0) == (c.Spawn == ""):
		return bad("give exactly one of --url and --spawn")
	case c.Scenario != "soak" && (c.Duration <= 0 || c.Duration > 10*time.Minute):
		return bad("--duration %v outside (0, 10m]", c.Duration)
	case c.Conns < 1 || c.Conns > 200_000:
		return bad("--conns %d outside [1, 200000]", c.Conns)
	case c.Members < 2 || c.Members > 1000:
		return bad("--members %d outside [2, 1000]", c.Members)
	case c.Rate <= 0 || c.Rate > 1e6 || c.ClientRate < 0 || c.ClientRate > 1000 || c.Churn < 0 || c.Churn > 1e5:
		return bad("rates out of range (--rate (0,1e6], --client-rate [0,1000], --churn [0,1e5])")
	case c.Chats < 1 || c.ChatSize < 2 || c.ChatSize > 1000 || c.Chats*c.ChatSize > 200_000:
		return bad("--chats %d × --chat-size %d: need ≥1 chat of 2..1000 members, ≤200000 clients", c.Chats, c.ChatSize)
	case c.BodyBytes < 20 || c.BodyBytes > 16<<10:
		return bad("--body-bytes %d outside [20, 16384]", c.BodyBytes)
	case c.Window < 1 || c.PerWorker < 1 || c.PerWorker > 15_000 || c.Dialers < 1 || c.Drain <= 0 || c.Drain > 5*time.Minute:
		return bad("--window, --per-worker (≤15000), --dialers must be positive, --drain in (0, 5m]")
	case c.SourceBase < 2 || c.SourceBase+maxWorkers(c)-1 > 254:
		return bad("--source-base %d: workers' source addresses 127.0.0.N must stay within .2 to .254", c.SourceBase)
	case c.Profile != "" && c.Spawn == "":
		return bad("--server-profile needs --spawn")
	}
	for _, u := range c.urls() {
		if err := checkLoopback(u); err != nil {
			return err
		}
	}
	return nil
}

// urls splits --url into its servers (blank entries dropped).
func (c *Config) urls() []string {
	var out []string
	for _, u := range strings.Split(c.URL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// spread gives client i the i-th of urls, round-robin, when there is more
// than one (with one, every client dials Job.URL).
func spread(clients []ClientSpec, urls []string) {
	if len(urls) < 2 {
		return
	}
	for i := range clients {
		clients[i].URL = urls[i%len(urls)]
	}
}

// peer reports whether the target is not linkup itself.
func (c *Config) peer() bool { return c.Target != "" && c.Target != targetLinkup }

// target returns the target's name, linkup when unset (runs recorded
// before the flag existed).
func (c *Config) target() string {
	if c.Target == "" {
		return targetLinkup
	}
	return c.Target
}

// checkLoopback refuses any target that is not a loopback address.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
		return fmt.Errorf("%w: --url %q is not a ws:// URL", errBadConfig, raw)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%w: --url %q: targets are loopback only", errBadConfig, raw)
	}
	return nil
}

// maxWorkers bounds the worker count of any scenario under c.
func maxWorkers(c *Config) int {
	n := max(c.Conns, c.Members, c.Chats*c.ChatSize)
	return (n + max(c.PerWorker, 1) - 1) / max(c.PerWorker, 1)
}
