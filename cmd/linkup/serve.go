package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/linkup-chat/linkup/events/embedded"

	"github.com/linkup-chat/linkup/actors"
	"github.com/linkup-chat/linkup/internal/rlimit"
	"github.com/linkup-chat/linkup/protocol"
	"github.com/linkup-chat/linkup/transport"
	"github.com/linkup-chat/linkup/web"
	"github.com/peterbourgon/ff/v3/ffcli"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// serveConfig is everything `serve` reads from its flags.
type serveConfig struct {
	storeFlags
	readModel     readModelFlags
	addr          string
	node          string
	maxFrame      int
	outbound      int
	chatIdle      time.Duration
	presenceGrace time.Duration
	ping          time.Duration
	shutdownGrace time.Duration
	closeGrace    time.Duration
	logFormat     string
	limits        actors.Limits
	connsPerUser  int
	pprofAddr     string
	sendBuffer    int
	http          transport.HTTPLimits
	drainDelay    time.Duration
	syncWait      time.Duration
	cluster       clusterFlags
	memory        memoryFlags
	walPages      int
	commitWindow  time.Duration
	// flagsSet are the flags given explicitly (cluster_id_flags.go).
	flagsSet map[string]bool
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.storeFlags.register(fs)
	c.readModel.register(fs)
	c.cluster.register(fs)
	c.memory.register(fs)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	fs.StringVar(&c.node, "node", "", "node name in events and connection_status (default: host name)")
	fs.IntVar(&c.maxFrame, "max-frame-bytes", 64<<10, "largest client frame; larger ones close the connection with 1009")
	fs.IntVar(&c.walPages, "wal-checkpoint-pages", embedded.DefaultCheckpointPages, "embedded store: WAL pages (4 KiB) between checkpoints; the WAL is written ahead as zeros to 2.25 times this (the length it reaches under continuous commits) so commits overwrite blocks instead of growing the file; it may reach 8 times this before appends wait for a checkpoint")
	fs.DurationVar(&c.commitWindow, "store-commit-window", embedded.DefaultCommitWindow, "embedded store: while appends arrive at least three per this and queue up during commits, the writer holds a batch open up to this long for more (fewer commits, less CPU per append, at most this much more latency); a lone append never waits; negative turns it off; at most 10ms")
	fs.IntVar(&c.outbound, "outbound-queue", 1024, "frames queued per connection before it counts as a slow consumer")
	fs.DurationVar(&c.ping, "ping-interval", 30*time.Second, "ping connections silent this long; close them if still silent half as long again")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", 10*time.Second, "how long SIGTERM waits for connections and the writer")
	fs.DurationVar(&c.closeGrace, "close-grace", defaultCloseGrace, "after --shutdown-grace, how long the projections and the stores get to finish; then the process exits anyway (exit within --drain-delay + --shutdown-grace + this)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.Float64Var(&c.limits.FramesPerSecond, "rate-frames", 200, "client frames per second per connection (burst: twice that)")
	fs.Float64Var(&c.limits.MessagesPerSecond, "rate-messages", 50, "send_message per second per connection (burst: twice that)")
	fs.Float64Var(&c.limits.TypingPerSecond, "rate-typing", 5, "typing per second per connection (burst: twice that)")
	fs.IntVar(&c.connsPerUser, "max-conns-per-user", 64, "open connections per user; more get HTTP 429")
	fs.IntVar(&c.sendBuffer, "socket-send-buffer", 128<<10, "kernel send buffer per connection, in bytes (bounds what a client that stops reading can hold)")
	fs.DurationVar(&c.chatIdle, "chat-idle", 10*time.Minute, "a chat no online member is subscribed to leaves memory after this long without a message (reloaded from the log on demand)")
	fs.DurationVar(&c.syncWait, "sync-wait", time.Second, "a new connection holds live items this long for its first frame (a sync_request is answered first)")
	fs.Float64Var(&c.limits.ChatsPerSecond, "rate-chats", 1, "create_chat per second per connection (burst: 10, or twice the rate)")
	fs.IntVar(&c.limits.ChatsPerUser, "max-chats-per-user", protocol.MaxSyncChats, "chats one user may belong to; a create_chat past it for the creator or a member gets invalid_payload")
	fs.DurationVar(&c.presenceGrace, "presence-grace", 5*time.Second, "after a user's last connection closes, wait this long before telling others they are offline (a reconnect within it sends nothing)")
	fs.StringVar(&c.pprofAddr, "pprof-addr", "", "serve net/http/pprof on this separate address (e.g. 127.0.0.1:6060); off when empty")
	fs.DurationVar(&c.drainDelay, "drain-delay", 2*time.Second, "after SIGTERM, /readyz answers 503 this long before the listener closes (so load balancers see it)")
	fs.DurationVar(&c.http.RequestTimeout, "http-request-timeout", 10*time.Second, "close an HTTP connection whose request has not arrived whole this long after it opened")
	fs.DurationVar(&c.http.IdleTimeout, "http-idle-timeout", 30*time.Second, "close a kept-alive HTTP connection idle this long")
	fs.DurationVar(&c.http.WriteTimeout, "http-write-timeout", 30*time.Second, "longest time to write an HTTP response (WebSockets are not affected)")
	fs.IntVar(&c.http.MaxConns, "max-http-conns", 4096, "HTTP connections not upgraded to a WebSocket, in total; at the cap the oldest idle one is closed")
	fs.IntVar(&c.http.MaxConnsPerAddr, "max-http-conns-per-addr", 256, "HTTP connections not upgraded to a WebSocket, per source IP; at the cap that IP's oldest idle one is closed")
}

// serveCommand is `linkup serve`: run a node.
func serveCommand(stdout, stderr io.Writer) *ffcli.Command {
	fs := newFlagSet("serve", stderr)
	var cfg serveConfig
	cfg.register(fs)
	return &ffcli.Command{
		Name:       "serve",
		ShortUsage: "linkup serve [--addr 127.0.0.1:8080] [--data ./linkup-data] [--store embedded|postgres|esdb] [--postgres-url postgres://...] [--esdb-url esdb://...] [--readmodel postgres://...]",
		ShortHelp:  "run a linkup node",
		FlagSet:    fs,
		Options:    envOptions(),
		Exec: func(ctx context.Context, _ []string) error {
			ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			cfg.flagsSet = flagsSet(fs)
			return serve(ctx, cfg, newLogger(stderr, cfg.logFormat))
		},
	}
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// serve runs a node until ctx ends (SIGTERM/SIGINT), then drains it.
func serve(ctx context.Context, cfg serveConfig, log *slog.Logger) error {
	ccfg, err := cfg.clusterConfig()
	if err != nil {
		return err
	}
	raiseFileLimit(log)
	startPprof(cfg.pprofAddr, log)
	secret, err := jwtSecret(cfg.data, true)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	if err := cfg.memory.apply(ctx, cfg.flagsSet, log, reg); err != nil {
		return err
	}
	reg.MustRegister(goCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.walPages < 0 {
		return fmt.Errorf("--wal-checkpoint-pages %d: want 0 (the default, %d) or more", cfg.walPages, embedded.DefaultCheckpointPages)
	}
	if cfg.commitWindow > embedded.MaxCommitWindow {
		return fmt.Errorf("--store-commit-window %s: want at most %s (negative turns it off)", cfg.commitWindow, embedded.MaxCommitWindow)
	}
	store, err := openStore(cfg.storeFlags, cfg.walPages, cfg.commitWindow, log, reg)
	if err != nil {
		return err
	}
	exit := &exitSteps{grace: cfg.closeGrace}
	defer exit.run(log)
	exit.push("closing the event store", func() { _ = store.Close() })
	var cn *clusterNode
	if cfg.cluster.enabled() {
		if cn, err = startCluster(ccfg, cfg.chatIdle, log, reg); err != nil {
			return err
		}
		exit.push("leaving the cluster", cn.leave)
	}
	// The projections outlive the signal: the drain stops them after the
	// writer has flushed, once they have reached the head. They start
	// before the actors, so that a read model that cannot open stops the
	// start before anything follows the log.
	backend, stopProjections, err := startProjectionsDrain(context.WithoutCancel(ctx), store, cfg.data, cfg.readModel.url, log, reg, projectionDrain(cfg.closeGrace))
	if err != nil {
		return err
	}
	exit.push("stopping the projections", func() { _ = stopProjections() })
	// A sync answer is queued at once: keep it to half the outbound queue so
	// it never makes a reading client a slow consumer.
	cfg.limits.SyncMessages = max(1, min(protocol.DefaultSyncLimit, cfg.outbound/2))
	n, err := actors.New(ctx, actors.Config{Store: store, Encoder: transport.JSONEncoder{}, Name: cfg.node, Limits: cfg.limits, ChatIdleAfter: cfg.chatIdle, SyncWait: cfg.syncWait,
		PresenceGrace: cfg.presenceGrace, Logger: log, Metrics: reg, Router: cn.router()})
	if err != nil {
		return err
	}
	cn.attachTo(n)
	timeline := newTimelineBackend(store, timelineTimeOrdered(cfg.store), reg)
	return listenAndServe(ctx, cfg, log, n, cn, secret, backend, timeline, reg, exit)
}

// listenAndServe starts the HTTP side, announces readiness and waits for the signal.
func listenAndServe(ctx context.Context, cfg serveConfig, log *slog.Logger, n *actors.Node, cn *clusterNode, secret []byte, backend transport.QueryBackend, timeline transport.TimelineBackend, reg *prometheus.Registry, exit *exitSteps) error {
	query, err := transport.NewQueryHandler(transport.QueryConfig{Backend: backend, Timeline: timeline, Secret: secret, Logger: log, Cluster: cn.backend(n.Name())})
	if err != nil {
		return err
	}
	srv, err := transport.New(transport.Config{Node: n, Secret: secret, Query: query, Gatherer: reg, Metrics: reg,
		MaxFrameBytes: cfg.maxFrame, OutboundQueue: cfg.outbound, PingInterval: cfg.ping, PongTimeout: cfg.ping / 2, MaxConnsPerUser: cfg.connsPerUser, SocketSendBuffer: cfg.sendBuffer, HTTP: cfg.http, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.addr, err)
	}
	hs := srv.HTTPServer()
	hs.Handler = web.Compose(hs.Handler) // the pages at /, /console, /incident
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("linkup ready", "addr", ln.Addr().String(), "node", n.Name(), "store", cfg.store, "data", cfg.data)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case <-cn.done(): // the watchdog ended the member: drain, exit non-zero
		log.Error("this node left the cluster", "err", cn.member.Err())
		cfg.drainDelay = 0
		if err := boundedDrain(cfg, log, exit, func() error { return drain(cfg, log, srv, hs, n, nil) }); err != nil {
			log.Error("drain", "err", err)
		}
		return cn.exitErr()
	}
	return boundedDrain(cfg, log, exit, func() error { return drain(cfg, log, srv, hs, n, cn.leave) })
}

// exitBound is how long the process takes at most from SIGTERM (or the
// watchdog) to its exit: the drain delay, the shutdown grace for the
// connections and the writer, then the close grace for the projections
// and the stores.
func exitBound(cfg serveConfig) time.Duration {
	return cfg.drainDelay + cfg.shutdownGrace + cfg.closeGrace
}

// boundedDrain starts the exit clock and runs the drain under it: a drain
// still running when the whole exit bound has passed is abandoned (the
// exit steps after it are then abandoned too, and logged).
func boundedDrain(cfg serveConfig, log *slog.Logger, exit *exitSteps, drain func() error) error {
	bound := exitBound(cfg)
	deadline := exit.begin(bound)
	log.Info("exiting", "within", bound, "drain_delay", cfg.drainDelay, "shutdown_grace", cfg.shutdownGrace, "close_grace", cfg.closeGrace)
	var err error
	if !within(deadline, func() { err = drain() }) {
		log.Warn("exit bound reached while draining: exiting without finishing the drain; "+abandonNote, "within", bound)
		return nil
	}
	return err
}

// drain is the SIGTERM path: readiness 503 while the listener stays open
// for the drain delay (new WebSockets get 503), then stop accepting,
// force_reconnect (shutdown) to every connection, flush every accepted
// event, exit 0.
//
// In a cluster, leave (when not nil) ends the member once the listener is
// closed, before the connections are told to reconnect: the node's chat
// identities move to the other nodes, which the clients reconnect to.
func drain(cfg serveConfig, log *slog.Logger, srv *transport.Server, hs *http.Server, n *actors.Node, leave func()) error {
	log.Info("draining", "drain_delay", cfg.drainDelay)
	srv.Drain()
	time.Sleep(cfg.drainDelay)
	// One grace for the HTTP requests, the connections and the writer:
	// the exit bound counts it once.
	ctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownGrace)
	defer cancel()
	hctx, hcancel := context.WithTimeout(ctx, cfg.shutdownGrace/2) // the connections and the writer keep half
	defer hcancel()
	if hs.Shutdown(hctx) != nil {
		_ = hs.Close() // requests still unfinished after the grace
	}
	if leave != nil {
		leave()
	}
	err := n.Shutdown(ctx, protocol.ReasonShutdown)
	_ = srv.Shutdown(ctx)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	log.Info("stopped")
	return nil
}

// raiseFileLimit lifts the soft open-file limit to the hard one: every
// connection is a file.
func raiseFileLimit(log *slog.Logger) {
	if err := rlimit.RaiseOpenFiles(); err != nil {
		log.Warn("could not raise the open-file limit", "err", err)
	}
}
