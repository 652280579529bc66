package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// centrifugoConfig is the configuration a spawned Centrifugo v6 runs with
// (v6's nested layout: client.token, channel.without_namespace, ...):
// memory engine, loopback port, the tool's HMAC secret, subscribe and
// publish allowed to every authenticated client on channels without a
// namespace (the tool's chat ids), Prometheus metrics and a health
// endpoint on the same port, pprof there too when profile, no HTTP API,
// no usage statistics. Every other option keeps Centrifugo's default.
func centrifugoConfig(port int, secret string, profile bool) map[string]any {
	return map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": port},
		"log":         map[string]any{"level": "info"},
		"engine":      map[string]any{"type": "memory"},
		"client":      map[string]any{"token": map[string]any{"hmac_secret_key": secret}},
		"channel": map[string]any{"without_namespace": map[string]any{
			"allow_subscribe_for_client": true, "allow_publish_for_subscriber": true}},
		"http_api":    map[string]any{"disabled": true},
		"prometheus":  map[string]any{"enabled": true},
		"health":      map[string]any{"enabled": true},
		"debug":       map[string]any{"enabled": profile},
		"usage_stats": map[string]any{"disabled": true},
	}
}

// spawnCentrifugo starts `bin --config <tmp>/config.json` on a free
// loopback port with a fresh random secret, and waits (30 s at most) for
// its health endpoint. Its output goes to <tmp>/server.log.
func spawnCentrifugo(bin string, extra []string, profile bool) (*server, error) {
	dir, err := os.MkdirTemp("", "linkup-load-centrifugo-*")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	secret := hex.EncodeToString(key)
	conf, _ := json.MarshalIndent(centrifugoConfig(port, secret, profile), "", "  ")
	confPath := filepath.Join(dir, "config.json")
	if err := os.WriteFile(confPath, conf, 0o600); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := &server{cmd: exec.Command(bin, append([]string{"--config", confPath}, extra...)...), dir: dir, addr: addr,
		url: "ws://" + addr + centrifugoPath, secret: secret, done: make(chan error, 1)}
	if profile {
		s.pprofAddr = addr // debug.enabled serves /debug/pprof on the same port
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("linkup-load: start %s: %w", bin, err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := waitHealthy(addr, s.done); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w (log: %s)", err, log.Name())
	}
	return s, nil
}

// waitHealthy polls http://addr/health until it answers 200, the process
// exits (its exit error is put back on exited for server.stop) or 30 s
// pass.
func waitHealthy(addr string, exited chan error) error {
	c := http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := c.Get("http://" + addr + "/health"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("linkup-load: the server exited before it was healthy: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("linkup-load: no healthy answer from %s in 30s", addr)
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
