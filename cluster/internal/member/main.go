// Command member runs one cluster member with the demo kind, for the
// cluster package's process tests: the tests start three of these,
// kill -9 and SIGSTOP them, and ask each for its view and for requests
// through a small HTTP control endpoint on loopback. It is built without
// the race detector so that the library's known races (docs/CLUSTER.md)
// do not fail the tests of this module's code.
//
// Exit codes: 0 after SIGTERM, 2 for a bad start, 3 when the watchdog
// ended the member (the reason is on stderr). With -probe it is not a
// member but a stranger that sends one GrainRequest (probe.go): 0 when a
// member answered, 4 when none did.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	protocluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/linkup-chat/linkup/cluster"
)

func main() {
	cfg, ctl := parse()
	m, err := cluster.Start(cfg, cluster.DemoKind(cfg.Node))
	if err != nil {
		fmt.Fprintln(os.Stderr, "start:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", ctl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "control:", err)
		os.Exit(2)
	}
	go func() { _ = http.Serve(ln, handler(m)) }()
	fmt.Printf("ready %s %s\n", m.ID(), ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case <-sig:
		m.Stop()
	case <-m.Done():
		fmt.Fprintln(os.Stderr, "watchdog:", m.Err())
		os.Exit(3)
	}
}

func parse() (cluster.Config, string) {
	var cfg cluster.Config
	var endpoints, ctl, probeAddrs, identity string
	var noWatchdog, probeTLS bool
	flag.StringVar(&cfg.Node, "node", "", "node name")
	flag.StringVar(&cfg.Bind, "bind", "127.0.0.1:0", "remote host:port")
	flag.IntVar(&cfg.ProviderPort, "provider-port", 0, "automanaged health port")
	flag.StringVar(&endpoints, "endpoints", "", "comma-separated health endpoints")
	flag.StringVar(&ctl, "control", "127.0.0.1:0", "control HTTP host:port")
	flag.BoolVar(&noWatchdog, "no-watchdog", false, "the library's own behaviour")
	flag.StringVar(&cfg.TLS.CertFile, "tls-cert", "", "PEM certificate (mutual TLS)")
	flag.StringVar(&cfg.TLS.KeyFile, "tls-key", "", "PEM key")
	flag.StringVar(&cfg.TLS.CAFile, "tls-ca", "", "PEM CA")
	flag.BoolVar(&cfg.Insecure, "insecure", false, "allow a bind that is not loopback without TLS")
	flag.StringVar(&probeAddrs, "probe", "", "act as a stranger: send a demo GrainRequest to these remote addresses and exit")
	flag.StringVar(&identity, "identity", "probe-1", "the probe's identity")
	flag.BoolVar(&probeTLS, "probe-tls", false, "the probe speaks TLS (with -tls-cert/-tls-key if given)")
	flag.Parse()
	if probeAddrs != "" {
		probe(probeAddrs, identity, probeTLS, cfg.TLS.CertFile, cfg.TLS.KeyFile)
	}
	cfg.Endpoints = strings.Split(endpoints, ",")
	cfg.NoWatchdog = noWatchdog
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return cfg, ctl
}

// Status is the control endpoint's view of a member.
type Status struct {
	Node     string   `json:"node"`
	ID       string   `json:"id"`
	Address  string   `json:"address"`
	Members  []string `json:"members"`
	Blocked  []string `json:"blocked"`
	InFlight int64    `json:"in_flight"`
	// Goroutines counts this process's goroutines (the library leaks some
	// per peer death).
	Goroutines int `json:"goroutines"`
	// RefusedRemote and RefusedHealth count the TLS handshakes each port
	// refused.
	RefusedRemote int64 `json:"refused_remote"`
	RefusedHealth int64 `json:"refused_health"`
}

func handler(m *cluster.Member) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		rr, rh := m.Refused()
		writeJSON(w, http.StatusOK, Status{Node: m.Node(), ID: m.ID(), Address: m.Address(), Members: m.Members(), Blocked: m.Blocked(),
			InFlight: m.InFlight(), Goroutines: runtime.NumGoroutine(), RefusedRemote: rr, RefusedHealth: rh})
	})
	mux.HandleFunc("GET /owner", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"address": m.Owner(r.URL.Query().Get("identity"), cluster.DemoKindName)})
	})
	mux.HandleFunc("GET /request", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		var out cluster.DemoReply
		req := cluster.DemoRequest{ID: r.URL.Query().Get("id")}
		if r.URL.Query().Get("raw") != "" {
			raw(w, m, r.URL.Query().Get("identity"), req)
			return
		}
		if err := m.RequestJSON(ctx, r.URL.Query().Get("identity"), cluster.DemoKindName, cluster.DemoMethod, req, &out); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
	return mux
}

// raw sends req through the library's own Request with a 1 s timeout and
// its default retries, to show what the wrapper fixes.
func raw(w http.ResponseWriter, m *cluster.Member, identity string, req cluster.DemoRequest) {
	msg, _ := cluster.JSONRequest(cluster.DemoMethod, req)
	start := time.Now()
	res, err := m.Cluster().Request(identity, cluster.DemoKindName, msg, protocluster.WithTimeout(time.Second))
	took := time.Since(start)
	var out cluster.DemoReply
	if g, ok := res.(*protocluster.GrainResponse); ok {
		_ = json.Unmarshal(g.MessageData, &out)
	}
	writeJSON(w, http.StatusOK, map[string]any{"reply": out, "node": out.Node, "error": fmt.Sprint(err), "ms": took.Milliseconds()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
