package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// run is one scenario end to end: server (when spawned), workers, the four
// phases with server samples between them, and the merged summary.
func run(ctx context.Context, cfg Config) (*Summary, error) {
	raiseNoFile()
	pid := cfg.ServerPID
	if cfg.Spawn != "" {
		var srv *server
		var err error
		if cfg.peer() {
			srv, err = spawnCentrifugo(cfg.Spawn, cfg.ServerArgs, cfg.Profile != "")
		} else {
			srv, err = spawnServer(cfg.Spawn, cfg.ServerArgs, freeAddr(cfg.Profile != ""))
		}
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		cfg.URL, cfg.Data, pid = srv.url, srv.dir, srv.pid()
		if srv.secret != "" {
			cfg.Secret = srv.secret
		}
		ctx = context.WithValue(ctx, pprofKey{}, srv.pprofAddr)
	}
	secret, err := resolveSecret(&cfg)
	if err != nil {
		return nil, err
	}
	urls := cfg.urls()
	murl := metricsURL(urls[0]) // with several servers, the first one's samples
	sum := &Summary{Scenario: cfg.Scenario, Config: cfg, Before: sampleServer(pid, murl)}
	clients := plan(&cfg)
	spread(clients, urls)
	var ws []*workerHandle
	for k, part := range split(clients, cfg.PerWorker) {
		job := Job{Target: cfg.Target, URL: urls[0], Secret: secret, Duration: cfg.Duration, BodyBytes: cfg.BodyBytes, Window: cfg.Window,
			Dialers: cfg.Dialers, Drain: cfg.Drain, Clients: part}
		if !cfg.InProcess {
			job.LocalAddr = fmt.Sprintf("127.0.0.%d", cfg.SourceBase+k)
		}
		w, err := startWorker(ctx, job, cfg.InProcess)
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	err = phases(ctx, &cfg, ws, sum, pid, murl)
	for _, w := range ws {
		_ = w.wait()
	}
	return sum, err
}

type pprofKey struct{}

// phases drives connect, create, go and drain and fills sum.
func phases(ctx context.Context, cfg *Config, ws []*workerHandle, sum *Summary, pid int, murl string) error {
	if _, err := collect(ws, "connected", 10*time.Minute); err != nil {
		return err
	}
	sum.Connected = sampleServer(pid, murl)
	clientCPU := workersCPU(ws)
	if err := broadcast(ws, Command{Cmd: "create"}); err != nil {
		return err
	}
	if _, err := collect(ws, "subscribed", 3*time.Minute); err != nil {
		return err
	}
	var ser *series
	if cfg.Scenario == "soak" {
		ser = &series{}
	}
	stopSampling := sampleLoop(pid, murl, sum, ser, cfg.SampleEvery)
	var hists0 map[string]*promHist
	var log0 logCounters
	if !cfg.peer() {
		hists0, log0 = scrapeHists(murl, serverHists), scrapeLog(murl)
	}
	profDone := startProfile(ctx, cfg)
	t0 := time.Now()
	if err := broadcast(ws, Command{Cmd: "go"}); err != nil {
		return err
	}
	sent, err := collect(ws, "sent", cfg.Duration+2*time.Minute)
	if err != nil {
		return err
	}
	sum.TrafficSeconds = time.Since(t0).Seconds()
	stopSampling()
	sum.After = sampleServer(pid, murl)
	sum.ClientCPU = workersCPU(ws) - clientCPU
	if hists0 != nil {
		sum.ServerHists = histDeltas(hists0, scrapeHists(murl, serverHists))
	}
	if ser != nil {
		ser.add(sum.After)
		sum.Series, sum.SeriesDropped = ser.list(), ser.dropped
	}
	profDone()
	last := map[string]uint64{}
	for _, r := range sent {
		for c, s := range r.Last {
			last[c] = max(last[c], s)
		}
	}
	if err := broadcast(ws, Command{Cmd: "drain", Last: last}); err != nil {
		return err
	}
	done, err := collect(ws, "done", cfg.Drain+2*time.Minute)
	if err != nil {
		return err
	}
	if err := sum.merge(done); err != nil {
		return err
	}
	if !cfg.peer() {
		r := sum.Result
		sum.LogGrowth = logGrowthOf(log0, scrapeLog(murl), r.Delivered-min(r.Delivered, r.Resent+r.Duplicated))
	}
	if ser != nil {
		v := judge(sum.Series, &sum.Result)
		sum.Verdict = &v
	}
	return nil
}

// sampleLoop samples the server every second into sum's maxima and, when
// ser is not nil, every period into ser (the first sample at once), until
// the returned func is called.
func sampleLoop(pid int, murl string, sum *Summary, ser *series, period time.Duration) func() {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.Second
		if ser != nil {
			tick = min(tick, period)
			ser.add(sampleServer(pid, murl))
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		next := time.Now().Add(period)
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				s := sampleServer(pid, murl)
				sum.MaxRSS, sum.MaxGoroutines = max(sum.MaxRSS, s.RSS), max(sum.MaxGoroutines, s.Goroutines)
				if ser != nil && !s.At.Before(next) {
					ser.add(s)
					next = next.Add(period)
				}
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

// startProfile fetches a server CPU profile over the traffic phase into
// cfg.Profile; the returned func waits for it.
func startProfile(ctx context.Context, cfg *Config) func() {
	addr, _ := ctx.Value(pprofKey{}).(string)
	if cfg.Profile == "" || addr == "" {
		return func() {}
	}
	secs := max(int(cfg.Duration.Seconds())-1, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := http.Client{Timeout: time.Duration(secs+30) * time.Second}
		resp, err := c.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
		if err != nil {
			fmt.Fprintln(os.Stderr, "linkup-load: profile:", err)
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(cfg.Profile)
		if err == nil {
			_, _ = f.ReadFrom(resp.Body)
			_ = f.Close()
		}
	}()
	return func() { <-done }
}

// freeAddr returns a free loopback address for the server's pprof, or "".
func freeAddr(want bool) string {
	if !want {
		return ""
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return ""
	}
	defer ln.Close()
	return ln.Addr().String()
}
