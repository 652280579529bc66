package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := mainErr(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

const usage = `usage: linkup-load <idle|fanout|chats|churn|mixed|soak> [flags]
  (--spawn /path/to/linkup | --url ws://127.0.0.1:PORT/ws[,ws://...] [--server-pid PID] (--secret S | --data DIR))
  [--target centrifugo --spawn /path/to/centrifugo]   (idle, fanout, chats: the same clients against Centrifugo v6)
       linkup-load summarize < runs.txt   (medians per scenario of the JSON lines of several runs)
       linkup-load floor [--mode sqlite|sync|wake] [--rows N] [--pages N] [--rate R] [--duration D]   (a bare paced durable commit: the floor under the store's)`

func mainErr(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("%s", usage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "worker":
		return runWorker(ctx, os.Stdin, stdout)
	case "summarize":
		return summarize(os.Stdin, stdout)
	case "floor":
		return runFloor(ctx, args[1:], stdout, stderr)
	}
	cfg, err := parseFlags(args[0], args[1:], stderr)
	if err != nil {
		return err
	}
	sum, err := run(ctx, cfg)
	if sum != nil && err == nil {
		sum.print(stdout)
	}
	return err
}

// parseFlags reads a scenario's flags and validates them.
func parseFlags(scenario string, args []string, stderr io.Writer) (Config, error) {
	c := Config{Scenario: scenario}
	fs := flag.NewFlagSet(scenario, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var serverArgs string
	fs.StringVar(&c.URL, "url", "", "target ws://127.0.0.1:PORT/ws (loopback only); several, comma-separated, spread clients over them round-robin (the first one's /metrics is sampled)")
	fs.IntVar(&c.ServerPID, "server-pid", 0, "PID of the target server, for RSS and CPU from /proc")
	fs.StringVar(&c.Target, "target", targetLinkup, "server kind: linkup, or centrifugo (peer mode: idle, fanout, chats)")
	fs.StringVar(&c.Spawn, "spawn", "", "start this binary (linkup, or centrifugo with --target centrifugo) on a fresh temp dir instead of --url")
	fs.StringVar(&serverArgs, "server-args", "", "extra flags for the spawned server (`serve` flags for linkup), space separated")
	fs.StringVar(&c.Data, "data", "", "data dir whose jwt.secret signs tokens")
	fs.StringVar(&c.Secret, "secret", os.Getenv("LINKUP_JWT_SECRET"), "JWT secret (default $LINKUP_JWT_SECRET)")
	dur, churn := 10*time.Second, 50.0
	if scenario == "soak" {
		dur, churn = 30*time.Minute, 10
	}
	fs.DurationVar(&c.Duration, "duration", dur, "traffic (or, for idle, hold) time; ≤10m, soak ≤2h")
	fs.IntVar(&c.Conns, "conns", 1000, "idle: connections")
	fs.IntVar(&c.Members, "members", 1000, "fanout: chat members (≤1000)")
	fs.Float64Var(&c.Rate, "rate", 100, "fanout: messages per second from the sender")
	fs.IntVar(&c.Chats, "chats", 200, "chats, churn, mixed, soak: number of chats")
	fs.IntVar(&c.ChatSize, "chat-size", 5, "chats, churn, mixed, soak: members per chat, each a sender")
	fs.Float64Var(&c.ClientRate, "client-rate", 1, "chats, churn, mixed, soak: messages per second per client")
	fs.Float64Var(&c.Churn, "churn", churn, "churn, soak: reconnects per second over all clients")
	fs.DurationVar(&c.SampleEvery, "sample-every", 30*time.Second, "soak: server sample period (≤1000 samples per run)")
	fs.IntVar(&c.BodyBytes, "body-bytes", 64, "message body size")
	fs.IntVar(&c.Window, "window", 20000, "unacknowledged messages a sender may have in flight")
	fs.IntVar(&c.PerWorker, "per-worker", 15000, "connections per worker process (≤15000)")
	fs.IntVar(&c.Dialers, "dialers", 32, "concurrent dials per worker")
	fs.IntVar(&c.SourceBase, "source-base", 2, "worker k dials from 127.0.0.(N+k); move N to keep concurrent runs' ports apart")
	fs.DurationVar(&c.Drain, "drain", 30*time.Second, "how long receivers wait for the last deliveries")
	fs.StringVar(&c.Profile, "server-profile", "", "with --spawn: save a server CPU profile of the traffic phase here")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.ServerArgs = strings.Fields(serverArgs)
	return c, c.Validate()
}
